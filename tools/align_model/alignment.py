"""WhisperX's forced alignment (whisperx/alignment.py, m-bain/whisperX), for one segment.

The same steps and arithmetic as whisperx.align() for a language with spaces and a
transcript whose characters are all in the model's dictionary: log-softmax emissions,
get_trellis, backtrack (from the argmax of the last trellis column), merge_repeats, then
character times = frame * ratio + t1 rounded to 3 decimals with ratio = duration / frames
(whisperx: duration * waveform_segment.size(0) / (trellis.size(0) - 1), size(0) = 1), and
per word: min start, max end, mean character score rounded to 3 decimals. Not reproduced:
nltk sentence splitting (the console's transcripts here are one sentence), the wildcard
column for characters outside the dictionary, and interpolation of unaligned words.
"""
from dataclasses import dataclass

import torch


def get_trellis(emission, tokens, blank_id=0):
    num_frame = emission.size(0)
    num_tokens = len(tokens)
    trellis = torch.empty((num_frame + 1, num_tokens + 1))
    trellis[0, 0] = 0
    trellis[1:, 0] = torch.cumsum(emission[:, blank_id], 0)
    trellis[0, -num_tokens:] = -float("inf")
    trellis[-num_tokens:, 0] = float("inf")
    for t in range(num_frame):
        trellis[t + 1, 1:] = torch.maximum(
            trellis[t, 1:] + emission[t, blank_id],  # stay on the same token
            trellis[t, :-1] + emission[t, tokens],  # change to the next token
        )
    return trellis


@dataclass
class Point:
    token_index: int
    time_index: int
    score: float


def backtrack(trellis, emission, tokens, blank_id=0):
    j = trellis.size(1) - 1
    t_start = torch.argmax(trellis[:, j]).item()
    path = []
    for t in range(t_start, 0, -1):
        stayed = trellis[t - 1, j] + emission[t - 1, blank_id]
        changed = trellis[t - 1, j - 1] + emission[t - 1, tokens[j - 1]]
        prob = emission[t - 1, tokens[j - 1] if changed > stayed else blank_id].exp().item()
        path.append(Point(j - 1, t - 1, prob))
        if changed > stayed:
            j -= 1
            if j == 0:
                break
    else:
        return None  # failed
    return path[::-1]


@dataclass
class Segment:
    label: str
    start: int
    end: int
    score: float


def merge_repeats(path, transcript):
    i1, i2 = 0, 0
    segments = []
    while i1 < len(path):
        while i2 < len(path) and path[i1].token_index == path[i2].token_index:
            i2 += 1
        score = sum(path[k].score for k in range(i1, i2)) / (i2 - i1)
        segments.append(Segment(transcript[path[i1].token_index], path[i1].time_index,
                                path[i2 - 1].time_index + 1, score))
        i1 = i2
    return segments


def align_segment(logits, text, t1, t2, dictionary, blank_id=0):
    """logits: [frames, V] of the audio from t1 to t2 (seconds). -> {"words": [{word, start,
    end, score}], "chars": [{char, start, end, score}]}, or None when backtracking fails."""
    emission = torch.log_softmax(torch.as_tensor(logits, dtype=torch.float32), dim=-1)
    num_leading = len(text) - len(text.lstrip())
    num_trailing = len(text) - len(text.rstrip())
    clean_char, clean_cdx = [], []
    for cdx, char in enumerate(text):
        char_ = char.lower().replace(" ", "|")
        if cdx < num_leading or cdx > len(text) - num_trailing - 1:
            continue
        if char_ in dictionary:
            clean_char.append(char_)
            clean_cdx.append(cdx)
    text_clean = "".join(clean_char)
    tokens = [dictionary[c] for c in text_clean]
    trellis = get_trellis(emission, tokens, blank_id)
    path = backtrack(trellis, emission, tokens, blank_id)
    if path is None:
        return None
    char_segments = merge_repeats(path, text_clean)
    ratio = (t2 - t1) * 1 / (trellis.size(0) - 1)

    chars, word_idx = [], 0
    for cdx, char in enumerate(text):
        start = end = score = None
        if cdx in clean_cdx:
            seg = char_segments[clean_cdx.index(cdx)]
            start, end, score = round(seg.start * ratio + t1, 3), round(seg.end * ratio + t1, 3), round(seg.score, 3)
        chars.append({"char": char, "start": start, "end": end, "score": score, "word_idx": word_idx})
        if cdx == len(text) - 1 or text[cdx + 1] == " ":
            word_idx += 1

    words = []
    for w in range(word_idx):
        wc = [c for c in chars if c["word_idx"] == w]
        word_text = "".join(c["char"] for c in wc).strip()
        if not word_text:
            continue
        wc = [c for c in wc if c["char"] != " " and c["start"] is not None]
        words.append({"word": word_text, "start": min(c["start"] for c in wc), "end": max(c["end"] for c in wc),
                      "score": round(sum(c["score"] for c in wc) / len(wc), 3)})
    return {"words": words, "chars": [{k: c[k] for k in ("char", "start", "end", "score")} for c in chars]}
