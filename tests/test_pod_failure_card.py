"""The failure card says why the pod failed first (issue 26): the reason the cncf-kubernetes
provider's own error carries (OOMKilled, ImagePullBackOff, an exit code, DeadlineExceeded).

The errors are made by the installed provider's own code from pod states as the Kubernetes
API returns them: ``KubernetesPodOperator.cleanup`` for a pod that ended in failure (its
"returned a failure" message with the pod dump), ``detect_pod_terminate_early_issues`` for
an image that cannot be pulled.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from helpers import shipped_alerts_module

pytestmark = pytest.mark.airflow


def pod(container_state: Any = None, *, phase: str = "Failed", reason: str | None = None, waiting: Any = None):
    from kubernetes.client import models as k8s

    statuses = [k8s.V1ContainerStatus(name="base", image="x:1", image_id="", ready=False, restart_count=0,
                                      state=k8s.V1ContainerState(terminated=container_state, waiting=waiting))]
    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name="load-abc123", namespace="airflow"),
        spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="base", image="x:1")]),
        status=k8s.V1PodStatus(phase=phase, reason=reason, container_statuses=statuses,
                               message="Pod was active on the node longer than the specified deadline"
                               if reason == "DeadlineExceeded" else None),
    )  # fmt: skip


def provider_error(remote_pod: Any) -> BaseException:
    """What KubernetesPodOperator raises for a pod that ended in failure, from its own cleanup."""
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    load = KubernetesPodOperator(task_id="load", image="x:1", log_events_on_failure=False)
    operator = load
    # no cluster: the API answers with the pod as it is, and patching or deleting it does nothing
    operator.__dict__["pod_manager"] = SimpleNamespace(read_pod=lambda pod: remote_pod)
    operator.patch_already_checked = lambda *a, **k: None  # type: ignore[method-assign]
    operator.process_pod_deletion = lambda *a, **k: None  # type: ignore[method-assign]
    with pytest.raises(Exception) as raised:
        operator.cleanup(remote_pod, remote_pod)
    return raised.value


def terminated(exit_code: int, reason: str) -> Any:
    from kubernetes.client import models as k8s

    return k8s.V1ContainerStateTerminated(exit_code=exit_code, reason=reason)


@pytest.mark.parametrize(
    ("state", "shown"),
    [(("OOMKilled", 137), "OOMKilled (exit code 137)"), (("Error", 2), "exit code 2"),
     (("ContainerCannotRun", 128), "ContainerCannotRun (exit code 128)")],
)  # fmt: skip
def test_a_failed_container_s_reason_comes_first(state: tuple[str, int], shown: str) -> None:
    alerts = shipped_alerts_module()
    error = provider_error(pod(terminated(state[1], state[0])))
    assert str(error).startswith("Pod load-abc123 returned a failure.")  # the provider's own first line
    summary = alerts._exception_summary(error)
    assert summary.startswith(f"Pod: {shown}. AirflowException: Pod load-abc123 returned a failure.")
    facts = alerts.AlertFacts(**{**_facts(alerts).__dict__, "exception": summary})
    card_text = str(alerts.adaptive_card(facts))
    assert shown in card_text


def test_a_pod_killed_at_its_deadline_says_so() -> None:
    alerts = shipped_alerts_module()
    error = provider_error(pod(None, reason="DeadlineExceeded"))
    assert alerts.pod_reason(str(error)) == "DeadlineExceeded"


@pytest.mark.parametrize("reason", ["ImagePullBackOff", "ErrImagePull", "InvalidImageName"])
def test_an_image_that_cannot_be_pulled_is_named(reason: str) -> None:
    from airflow.providers.cncf.kubernetes.utils.pod_manager import (
        PodLaunchFailedException,
        detect_pod_terminate_early_issues,
    )
    from kubernetes.client import models as k8s

    waiting = k8s.V1ContainerStateWaiting(reason=reason, message='Back-off pulling image "x:1": not found')
    message = detect_pod_terminate_early_issues(pod(None, phase="Pending", waiting=waiting))
    assert message is not None
    summary = shipped_alerts_module()._exception_summary(PodLaunchFailedException(message))
    assert summary.startswith(f"Pod: {reason}. PodLaunchFailedException: Image cannot be pulled")


@pytest.mark.parametrize(
    "error",
    [ValueError("exit code 137 in some text"), RuntimeError("{'terminated': {'exit_code': 0, 'reason': 'Completed'}}"),
     KeyError("reason")],
)  # fmt: skip
def test_other_errors_are_shown_as_they_are(error: BaseException) -> None:
    alerts = shipped_alerts_module()
    assert not alerts._exception_summary(error).startswith("Pod: ")


def _facts(alerts: Any) -> Any:
    return alerts.AlertFacts(
        **dict.fromkeys(alerts.AlertFacts.__dataclass_fields__)
        | {"event": "failure", "dag_id": "d", "task_id": "load", "run_id": "r"}
    )
