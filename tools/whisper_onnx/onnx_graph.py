"""ONNX graph passes: fold weight transposes, merge the two decoders under one `If`,
convert to float16, dynamic int8 quantization. Pure `onnx` + numpy (no onnxruntime here)."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _consumers(graph):
    uses = {}
    for node in graph.node:
        for name in node.input:
            uses.setdefault(name, []).append(node)
    return uses


def fold_weight_transposes(model):
    """Transpose(initializer) -> transposed initializer, unless the initializer has other
    consumers (the tied token embedding: Gather + Transpose must share one copy)."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    uses = _consumers(g)
    keep = []
    for node in g.node:
        src = node.input[0] if node.op_type == "Transpose" else None
        if src in inits and len(uses[src]) == 1:
            perm = [a.ints for a in node.attribute if a.name == "perm"]
            arr = numpy_helper.to_array(inits[src])
            arr = arr.transpose(list(perm[0]) if perm else None)
            g.initializer.remove(inits[src])
            g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(arr), node.output[0]))
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    return model


def _prefix_internal(graph, prefix, outer_names):
    """Give a branch's internal values unique names so the two branches never collide."""
    rename = lambda n: n if (not n or n in outer_names) else prefix + n
    for node in graph.node:
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = [rename(n) for n in node.output]
        node.name = prefix + node.name
    for out in graph.output:
        out.name = rename(out.name)
    del graph.value_info[:]


def merge_decoders(no_past, with_past, n_layers, heads, head_dim, float_type=TensorProto.FLOAT):
    """Optimum-style decoder_model_merged: If(use_cache_branch) then=with past, else=no past.
    With-past `present.N.encoder.*` are empty constants: the caller keeps the step-1 ones."""
    initializers = {}
    for m in (no_past, with_past):
        for t in m.graph.initializer:
            if t.name in initializers:
                assert initializers[t.name].raw_data == t.raw_data or \
                    np.array_equal(numpy_helper.to_array(initializers[t.name]), numpy_helper.to_array(t)), t.name
            else:
                initializers[t.name] = t
        del m.graph.initializer[:]

    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "decoder_sequence_length"]),
              helper.make_tensor_value_info("encoder_hidden_states", float_type, ["batch_size", "encoder_sequence_length", heads * head_dim])]
    outputs = [helper.make_tensor_value_info("logits", float_type, ["batch_size", "decoder_sequence_length", "vocab_size"])]
    for i in range(n_layers):
        for kind, seq in (("decoder", "past_decoder_sequence_length"), ("encoder", "encoder_sequence_length_out")):
            for kv in ("key", "value"):
                inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kind}.{kv}", float_type, ["batch_size", heads, seq, head_dim]))
                out_seq = "past_decoder_sequence_length + 1" if kind == "decoder" else "encoder_sequence_length_out"
                outputs.append(helper.make_tensor_value_info(f"present.{i}.{kind}.{kv}", float_type, ["batch_size", heads, out_seq, head_dim]))
    inputs.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
    outer = {v.name for v in inputs} | set(initializers)

    out_names = [o.name for o in outputs]
    # no-past export outputs: logits, present.N.decoder.*, present.N.encoder.* in this same order
    else_g = no_past.graph
    _prefix_internal(else_g, "no_past/", outer)
    assert [o.name for o in else_g.output] == ["no_past/" + n for n in out_names], [o.name for o in else_g.output]
    del else_g.input[:]

    then_g = with_past.graph
    _prefix_internal(then_g, "with_past/", outer)
    del then_g.input[:]
    by_name = {o.name: o for o in then_g.output}
    new_outs = []
    for name in out_names:
        if ".encoder." in name:
            const_name = "with_past/" + name
            empty = helper.make_tensor(const_name + "/value", float_type, [0, heads, 0, head_dim], vals=[])
            then_g.node.append(helper.make_node("Constant", [], [const_name], value=empty, name=const_name + "/Constant"))
            new_outs.append(helper.make_tensor_value_info(const_name, float_type, None))
        else:
            new_outs.append(by_name["with_past/" + name])
    del then_g.output[:]
    then_g.output.extend(new_outs)
    for o in list(then_g.output) + list(else_g.output):
        o.type.tensor_type.ClearField("shape")

    if_node = helper.make_node("If", ["use_cache_branch"], out_names, name="optimum::if",
                               then_branch=then_g, else_branch=else_g)
    graph = helper.make_graph([if_node], "merged_decoder", inputs, outputs, list(initializers.values()))
    model = helper.make_model(graph, opset_imports=no_past.opset_import, producer_name="whisperx-console tools/whisper_onnx")
    model.ir_version = no_past.ir_version
    return model


# ---------------------------------------------------------------- float16

FP16_MAX = 65504.0


def _tensor_to_fp16(t):
    arr = numpy_helper.to_array(t).astype(np.float32)
    return numpy_helper.from_array(np.clip(arr, -FP16_MAX, FP16_MAX).astype(np.float16), t.name)


def to_float16(model, fp32_ops=(), float32_inputs=("input_features",)):
    """Everything float becomes float16, graph inputs/outputs included, except the inputs in
    float32_inputs, which are cast inside the graph (transformers.js feeds float32
    input_features to every encoder). Ops in fp32_ops run in float32 between Casts."""
    def convert_graph(g):
        for i, t in enumerate(list(g.initializer)):
            if t.data_type == TensorProto.FLOAT:
                g.initializer[i].CopyFrom(_tensor_to_fp16(t))
        for v in list(g.input) + list(g.output):
            if v.type.tensor_type.elem_type == TensorProto.FLOAT:
                v.type.tensor_type.elem_type = TensorProto.FLOAT16
        del g.value_info[:]
        new_nodes = []
        for node in g.node:
            for a in node.attribute:
                if a.name == "to" and node.op_type == "Cast" and a.i == TensorProto.FLOAT:
                    a.i = TensorProto.FLOAT16
                if a.type == onnx.AttributeProto.TENSOR and a.t.data_type == TensorProto.FLOAT:
                    a.t.CopyFrom(_tensor_to_fp16(a.t))
                if a.type == onnx.AttributeProto.GRAPH:
                    convert_graph(a.g)
            if node.op_type == "ConstantOfShape" and not any(a.name == "value" for a in node.attribute):
                pass  # default is float32 zero: only used for shapes/ints in torch exports here
            if node.op_type in fp32_ops:
                ins = []
                for j, name in enumerate(node.input):
                    if name and (node.op_type != "GRU" or j in (0, 1, 2, 3, 5)):
                        c = f"{node.name}/cast_in{j}"
                        new_nodes.append(helper.make_node("Cast", [name], [c], to=TensorProto.FLOAT, name=c))
                        ins.append(c)
                    else:
                        ins.append(name)
                outs = [f"{o}/fp32" if o else o for o in node.output]
                node.input[:] = ins
                original = list(node.output)
                node.output[:] = outs
                new_nodes.append(node)
                for o, f32 in zip(original, outs):
                    if o:
                        new_nodes.append(helper.make_node("Cast", [f32], [o], to=TensorProto.FLOAT16, name=f"{o}/cast_out"))
            else:
                new_nodes.append(node)
        del g.node[:]
        g.node.extend(new_nodes)
    convert_graph(model.graph)
    g = model.graph
    for v in g.input:
        if v.name in float32_inputs and v.type.tensor_type.elem_type == TensorProto.FLOAT16:
            v.type.tensor_type.elem_type = TensorProto.FLOAT
            cast_name = v.name + "/fp16"
            for node in g.node:
                node.input[:] = [cast_name if n == v.name else n for n in node.input]
            g.node.insert(0, helper.make_node("Cast", [v.name], [cast_name], to=TensorProto.FLOAT16, name=cast_name))
    return model


def float16_outputs(model):
    """Keep the graph in float32 but hand out float16 outputs (for a *_fp16 file whose ops
    cannot run in float16 here, so its outputs still match the float16 decoder's inputs)."""
    g = model.graph
    for out in g.output:
        if out.type.tensor_type.elem_type == TensorProto.FLOAT:
            inner = out.name + "/fp32"
            for node in g.node:
                node.output[:] = [inner if n == out.name else n for n in node.output]
                node.input[:] = [inner if n == out.name else n for n in node.input]
            g.node.append(helper.make_node("Cast", [inner], [out.name], to=TensorProto.FLOAT16, name=out.name + "/cast_fp16"))
            out.type.tensor_type.elem_type = TensorProto.FLOAT16
    return model


# ---------------------------------------------------------------- int8

def quantize_dynamic_int8(model, min_elements=4096):
    """ORT-style dynamic quantization of MatMul with a constant 2-D weight: uint8 activations
    per tensor (DynamicQuantizeLinear), int8 weights per output column, MatMulInteger."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    uses = _consumers(g)
    new_nodes, drop = [], set()
    for node in g.node:
        w = node.input[1] if node.op_type == "MatMul" else None
        if w in inits and len(inits[w].dims) == 2 and inits[w].data_type == TensorProto.FLOAT \
                and np.prod(inits[w].dims) >= min_elements and len(uses[w]) == 1:
            W = numpy_helper.to_array(inits[w]).astype(np.float32)
            scale = np.maximum(np.abs(W).max(axis=0), 1e-8) / 127.0
            Wq = np.clip(np.round(W / scale), -127, 127).astype(np.int8)
            base = node.output[0]
            g.initializer.extend([
                numpy_helper.from_array(Wq, w + "_quantized"),
                numpy_helper.from_array(scale.astype(np.float32), w + "_scale"),
                numpy_helper.from_array(np.zeros(W.shape[1], np.int8), w + "_zero_point"),
            ])
            drop.add(w)
            a = node.input[0]
            new_nodes += [
                helper.make_node("DynamicQuantizeLinear", [a], [base + "/aq", base + "/as", base + "/az"], name=base + "/dq"),
                helper.make_node("MatMulInteger", [base + "/aq", w + "_quantized", base + "/az", w + "_zero_point"], [base + "/int32"], name=base + "/mmi"),
                helper.make_node("Cast", [base + "/int32"], [base + "/f"], to=TensorProto.FLOAT, name=base + "/cast"),
                helper.make_node("Mul", [base + "/as", w + "_scale"], [base + "/scale"], name=base + "/mulscale"),
                helper.make_node("Mul", [base + "/f", base + "/scale"], [base], name=base + "/mul"),
            ]
        else:
            new_nodes.append(node)
    del g.node[:]
    g.node.extend(new_nodes)
    keep = [t for t in g.initializer if t.name not in drop]
    del g.initializer[:]
    g.initializer.extend(keep)
    return model
