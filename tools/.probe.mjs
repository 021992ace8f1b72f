import ort from 'onnxruntime-node';
const dir = process.argv[2], name = process.argv[3];
console.log('create', name);
const s = await ort.InferenceSession.create(`${dir}/onnx/${name}.onnx`);
console.log('created', s.inputNames.length, s.inputMetadata.map(m => m.name + ':' + m.type).slice(0, 3));
if (name.startsWith('encoder')) {
  const r = await s.run({ input_features: new ort.Tensor('float32', new Float32Array(80 * 1000).fill(-0.5), [1, 80, 1000]) });
  console.log('ran', r.last_hidden_state.dims, r.last_hidden_state.type);
}
