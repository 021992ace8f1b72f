"""Reference greedy decoding in torch, with the logits processors the loaders apply
(suppress_tokens always, begin_suppress_tokens on the first generated step)."""
import torch


@torch.no_grad()
def greedy(model, features, prompt, max_new_tokens=40, suppress=(), begin_suppress=(), eot=50256):
    """features [B, n_mels, frames] -> list of generated token lists (each ends at EOT if emitted)."""
    B = features.shape[0]
    enc = model.encoder(features)
    ids = torch.tensor([list(prompt)] * B)
    logits, presents, cross = model.decoder(ids, enc)
    out = [[] for _ in range(B)]
    done = [False] * B
    suppress = torch.tensor(sorted(suppress), dtype=torch.long)
    begin = torch.tensor(sorted(begin_suppress), dtype=torch.long)
    for step in range(max_new_tokens):
        last = logits[:, -1].clone()
        if len(suppress):
            last[:, suppress] = -float("inf")
        if step == 0 and len(begin):
            last[:, begin] = -float("inf")
        nxt = last.argmax(-1)
        for b in range(B):
            if not done[b]:
                out[b].append(int(nxt[b]))
                done[b] = int(nxt[b]) == eot
        if all(done):
            break
        logits, presents, _ = model.decoder(nxt[:, None], self_past=presents, cross=cross)
    return out


@torch.no_grad()
def first_step_logits(model, features, prompt):
    enc = model.encoder(features)
    ids = torch.tensor([list(prompt)] * features.shape[0])
    logits, _, _ = model.decoder(ids, enc)
    return enc, logits[:, -1]
