#!/usr/bin/env python3
"""Write a single-MatMul ONNX model A[M,K] @ B[K,N] (B a constant) for bench/gemm-rate.ts."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

m, k, n, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
b = numpy_helper.from_array(np.random.default_rng(0).standard_normal((k, n)).astype(np.float32), "B")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["A", "B"], ["C"])],
    "gemm",
    [helper.make_tensor_value_info("A", TensorProto.FLOAT, [m, k])],
    [helper.make_tensor_value_info("C", TensorProto.FLOAT, [m, n])],
    initializer=[b],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.save(model, out)
