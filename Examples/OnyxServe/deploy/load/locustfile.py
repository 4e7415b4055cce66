"""Locust load for onyx-serve: card transactions scored through /predict and the KServe route.

    pip install locust
    locust -f Examples/OnyxServe/deploy/load/locustfile.py --host http://127.0.0.1:8080
    # headless, e.g. against a port-forwarded Service:
    locust -f Examples/OnyxServe/deploy/load/locustfile.py --host http://127.0.0.1:8080 \
        --headless -u 64 -r 4 -t 10m

Environment: ONYX_MODEL_NAME (default mlp_fraud) for /v2/models/{name}/infer.
Users ramp up with -r; to see the HPA react, ramp past what two pods handle (watch the P95 and
in-flight panels) and hold for a few minutes, then stop and watch it scale back down.
"""
import math
import os
import random

from locust import FastHttpUser, between, task

MODEL = os.environ.get("ONYX_MODEL_NAME", "mlp_fraud")
FEATURES = 30  # Time, V1..V28, Amount: the input [N, 30] of Models/mlp_fraud


def transaction(rng: random.Random) -> list[float]:
    """One card transaction: seconds since the first, 28 anonymised components (roughly unit
    normal, heavier tails), and a log-normal amount."""
    components = [rng.gauss(0, 1) * (4 if rng.random() < 0.05 else 1) for _ in range(FEATURES - 2)]
    amount = math.exp(3 + 1.4 * rng.gauss(0, 1))
    return [round(rng.uniform(0, 172800))] + [round(v, 4) for v in components] + [round(amount, 2)]


class Scorer(FastHttpUser):
    """A payment service asking for fraud scores, mostly one transaction at a time."""

    wait_time = between(0.01, 0.05)

    def on_start(self) -> None:
        self.rng = random.Random()

    def rows(self) -> list[list[float]]:
        # Nine in ten calls score one transaction; the rest score a small basket.
        n = 1 if self.rng.random() < 0.9 else self.rng.randint(2, 8)
        return [transaction(self.rng) for _ in range(n)]

    @task(3)
    def predict(self) -> None:
        self.client.post("/predict", json={"inputs": self.rows()}, name="/predict")

    @task(1)
    def kserve_infer(self) -> None:
        rows = self.rows()
        body = {"inputs": [{"name": "input", "shape": [len(rows), FEATURES], "datatype": "FP32",
                            "data": [v for row in rows for v in row]}]}
        self.client.post(f"/v2/models/{MODEL}/infer", json=body, name="/v2/models/{name}/infer")
