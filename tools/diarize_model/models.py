"""The two demo diarization models.

Segmentation (pyannote segmentation-3.0 interface): x [N, 1, 160000] -> y [N, 589, 7], log-softmax
over the powerset {none, s0, s1, s2, s0+s1, s0+s2, s1+s2}. Front end as pyannote's SincNet stack
(a learned conv instead of sinc filters): conv k=251/10 -> |.| -> pool 3 -> conv 5 -> pool 3 ->
conv 5 -> pool 3 = 589 frames, step 270 samples, receptive field 991 samples; then a 2-layer BiLSTM.

Embedding (wespeaker interface): feats [N, T, 80] (fbank.py, CMN) -> embs [N, D]; a small TDNN
(x-vector) with mean+std pooling; embs is the layer before the training classifier.
"""
import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F

WINDOW = 160000
NUM_FRAMES = 589
FRAME_SHIFT = 270
RECEPTIVE_FIELD = 991
# activity code a0 + 2 a1 + 4 a2 -> powerset class (-1: three at once, not representable)
CODE_TO_CLASS = torch.tensor([0, 1, 2, 4, 3, 5, 6, -1])
# powerset class -> activity of the 3 local speakers
CLASS_TO_ACTIVITY = torch.tensor([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]],
                                 dtype=torch.float32)
PERMS = list(itertools.permutations(range(3)))


class Segmentation(nn.Module):
    def __init__(self, c1=40, c=60, hidden=64):
        super().__init__()
        self.wav_norm = nn.InstanceNorm1d(1, affine=True)
        self.conv1 = nn.Conv1d(1, c1, 251, stride=10)
        self.norm1 = nn.InstanceNorm1d(c1, affine=True)
        self.conv2 = nn.Conv1d(c1, c, 5)
        self.norm2 = nn.InstanceNorm1d(c, affine=True)
        self.conv3 = nn.Conv1d(c, c, 5)
        self.norm3 = nn.InstanceNorm1d(c, affine=True)
        self.lstm = nn.LSTM(c, hidden, num_layers=2, bidirectional=True, batch_first=True)
        self.fc = nn.Linear(2 * hidden, hidden)
        self.out = nn.Linear(hidden, 7)

    def forward(self, x):
        h = self.wav_norm(x)
        h = F.leaky_relu(self.norm1(F.max_pool1d(torch.abs(self.conv1(h)), 3)))
        h = F.leaky_relu(self.norm2(F.max_pool1d(self.conv2(h), 3)))
        h = F.leaky_relu(self.norm3(F.max_pool1d(self.conv3(h), 3)))
        h, _ = self.lstm(h.transpose(1, 2))
        h = F.leaky_relu(self.fc(h))
        return F.log_softmax(self.out(h), dim=-1)


def frame_activity(segs, offset_s, n_local_order):
    """RTTM-like segs [(start_s, end_s, spk)] -> [589, 3] activity at frame centres of a 10 s
    window starting at offset_s; local speakers numbered by n_local_order (spk -> column)."""
    centers = offset_s + (torch.arange(NUM_FRAMES) * FRAME_SHIFT + RECEPTIVE_FIELD / 2) / 16000.0
    act = torch.zeros(NUM_FRAMES, 3)
    for s, e, k in segs:
        col = n_local_order.get(k)
        if col is not None and col < 3:
            act[:, col] = torch.maximum(act[:, col], ((centers >= s) & (centers < e)).float())
    return act


def pit_powerset_loss(logp, act):
    """logp [B, F, 7], act [B, F, 3] -> mean over the batch of min over speaker permutations of
    the frame-averaged NLL (frames with 3 active speakers are ignored)."""
    w = torch.tensor([1, 2, 4])
    losses = []
    for p in PERMS:
        code = (act[..., list(p)].long() * w).sum(-1)
        cls = CODE_TO_CLASS[code]
        valid = (cls >= 0).float()
        nll = -logp.gather(-1, cls.clamp(min=0).unsqueeze(-1)).squeeze(-1)
        losses.append((nll * valid).sum(-1) / valid.sum(-1).clamp(min=1))
    return torch.stack(losses, 1).min(1).values.mean()


def powerset_to_activity(logp):
    """[..., 7] log-probs -> [..., 3] hard activity (argmax class)."""
    return CLASS_TO_ACTIVITY[logp.argmax(-1)]


class Embedding(nn.Module):
    def __init__(self, c=192, pool=384, dim=128):
        super().__init__()

        def block(i, o, k, d):
            return nn.Sequential(nn.Conv1d(i, o, k, dilation=d, padding=d * (k - 1) // 2), nn.BatchNorm1d(o),
                                 nn.ReLU())
        self.tdnn = nn.Sequential(block(80, c, 5, 1), block(c, c, 3, 2), block(c, c, 3, 3), block(c, c, 1, 1),
                                  block(c, pool, 1, 1))
        self.fc = nn.Linear(2 * pool, dim)

    def forward(self, feats):
        h = self.tdnn(feats.transpose(1, 2))
        mean = h.mean(-1)
        std = torch.sqrt(((h - mean.unsqueeze(-1)) ** 2).mean(-1) + 1e-5)
        return self.fc(torch.cat([mean, std], -1))


class AMSoftmax(nn.Module):
    """Additive-margin softmax head (training only)."""

    def __init__(self, dim, n_classes, scale=30.0):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n_classes, dim) * 0.01)
        self.scale = scale

    def forward(self, emb, labels, margin):
        cos = F.normalize(emb, dim=-1) @ F.normalize(self.w, dim=-1).t()
        logits = self.scale * (cos - margin * F.one_hot(labels, cos.shape[1]))
        return F.cross_entropy(logits, labels), (cos.argmax(-1) == labels).float().mean()
