"""The common Python serving stack, as a reference: FastAPI + onnxruntime answering the same
/predict contract as onyx-serve: {"inputs": [row, ...]} -> {"outputs": [row, ...]}.

    ONYX_MODEL=Models/mlp_fraud/model.onnx uvicorn Benchmarks.serving.fastapi_app:app --workers 2
"""
import os

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI
from pydantic import BaseModel

options = ort.SessionOptions()
options.intra_op_num_threads = int(os.environ.get("ORT_THREADS", "1"))
options.inter_op_num_threads = 1
session = ort.InferenceSession(os.environ["ONYX_MODEL"], options, providers=["CPUExecutionProvider"])
input_name = session.get_inputs()[0].name

app = FastAPI()


class PredictRequest(BaseModel):
    inputs: list


@app.post("/predict")
def predict(request: PredictRequest):
    x = np.asarray(request.inputs, dtype=np.float32)
    y = session.run(None, {input_name: x})[0]
    return {"outputs": y.tolist()}


@app.get("/healthz")
def healthz():
    return {"ok": True}
