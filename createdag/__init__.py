"""create_dag: scaffold Airflow 3 DAGs that run KubernetesPodOperator pods and alert Teams."""

__version__ = "0.1.0"
