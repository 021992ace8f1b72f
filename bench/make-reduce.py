#!/usr/bin/env python3
"""Write a single-ReduceSum ONNX model A[R, C] -> [R] for bench/gemm-rate.ts's memory-bandwidth figure."""
import sys

import onnx
from onnx import TensorProto, helper

r, c, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
graph = helper.make_graph(
    [helper.make_node("ReduceSum", ["A", "axes"], ["S"], keepdims=0)],
    "reduce",
    [helper.make_tensor_value_info("A", TensorProto.FLOAT, [r, c])],
    [helper.make_tensor_value_info("S", TensorProto.FLOAT, [r])],
    initializer=[axes],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
model.ir_version = 8
onnx.save(model, out)
