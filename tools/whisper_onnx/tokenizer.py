"""Whisper's byte-level BPE, rebuilt from tiktoken ranks into a Hugging Face tokenizer.json.

The merges are recovered by re-running BPE on every token with only lower ranks allowed:
the last merge that produces the token is its merge rule, exactly as tiktoken applies it.
"""
import base64
import json
import os

ASSETS = os.path.join(os.path.dirname(__file__), "..", "..", "models", "assets", "whisper")

# openai/whisper tokenizer.py LANGUAGES order; the first 99 exist in gpt2/multilingual vocabularies
# (large-v3 adds "yue" as the 100th).
LANGUAGES = (
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no "
    "th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw "
    "gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl "
    "mg as tt haw ln ha ba jw su yue"
).split()


def load_ranks(name="gpt2"):
    ranks = {}
    with open(os.path.join(ASSETS, f"{name}.tiktoken"), "rb") as f:
        for line in f:
            if line.strip():
                tok, rank = line.split()
                ranks[base64.b64decode(tok)] = int(rank)
    return ranks


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def bpe_parts(token: bytes, ranks, max_rank=None):
    parts = [token[i:i + 1] for i in range(len(token))]
    while len(parts) > 1:
        best, best_i = None, None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (max_rank is None or r < max_rank) and (best is None or r < best):
                best, best_i = r, i
        if best is None:
            break
        parts = parts[:best_i] + [parts[best_i] + parts[best_i + 1]] + parts[best_i + 2:]
    return parts


def special_tokens(n_vocab_text: int, multilingual: bool, num_languages: int = 99):
    """Whisper's specials in id order, starting at n_vocab_text (50256 for gpt2 ranks)."""
    names = ["<|endoftext|>", "<|startoftranscript|>"]
    names += [f"<|{lang}|>" for lang in LANGUAGES[:num_languages]]
    names += ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>",
              "<|nospeech|>" if multilingual else "<|nocaptions|>", "<|notimestamps|>"]
    specials = {name: n_vocab_text + i for i, name in enumerate(names)}
    first_ts = n_vocab_text + len(names)
    timestamps = {f"<|{i * 0.02:.2f}|>": first_ts + i for i in range(1501)}
    return specials, timestamps


class WhisperTokenizer:
    """Minimal encoder/decoder for training targets and checks (ASCII text; no regex module here)."""

    def __init__(self, multilingual=False):
        self.ranks = load_ranks("multilingual" if multilingual else "gpt2")
        self.multilingual = multilingual
        self.specials, self.timestamps = special_tokens(len(self.ranks), multilingual)
        self.id_to_bytes = {v: k for k, v in self.ranks.items()}
        self.id_to_special = {v: k for k, v in {**self.specials, **self.timestamps}.items()}
        self.n_vocab = len(self.ranks) + len(self.specials) + len(self.timestamps)

    def __getitem__(self, name):
        return self.specials.get(name, self.timestamps.get(name))

    @property
    def sot(self): return self.specials["<|startoftranscript|>"]
    @property
    def eot(self): return self.specials["<|endoftext|>"]
    @property
    def no_timestamps(self): return self.specials["<|notimestamps|>"]
    @property
    def timestamp_begin(self): return self.no_timestamps + 1

    def _pretokenize(self, text):
        # GPT-2 pattern restricted to what ASCII console text needs: ' ?letters', ' ?digits', ' ?other', spaces.
        out, i = [], 0
        while i < len(text):
            j = i
            if text[j] == " " and j + 1 < len(text) and text[j + 1] != " ":
                j += 1
            c = text[j]
            kind = (lambda ch: "L" if ch.isalpha() else "N" if ch.isdigit() else "S" if ch.isspace() else "P")
            k = j + 1
            if kind(c) == "S":
                while k < len(text) and kind(text[k]) == "S":
                    k += 1
                if k < len(text) and k - i > 1:
                    k -= 1  # \s+(?!\S): leave one space to prefix the next word
            else:
                while k < len(text) and kind(text[k]) == kind(c):
                    k += 1
            out.append(text[i:k])
            i = k
        return out

    def encode(self, text):
        ids = []
        for piece in self._pretokenize(text):
            ids += [self.ranks[p] for p in bpe_parts(piece.encode("utf-8"), self.ranks)]
        return ids

    def decode(self, ids, skip_special=True):
        out = b""
        for i in ids:
            if i in self.id_to_bytes:
                out += self.id_to_bytes[i]
            elif not skip_special:
                out += self.id_to_special[i].encode()
        return out.decode("utf-8", errors="replace")

    # ---- tokenizer.json ----
    def merges(self):
        b2u = bytes_to_unicode()
        enc = lambda b: "".join(b2u[x] for x in b)
        merges = []
        for token, rank in sorted(self.ranks.items(), key=lambda kv: kv[1]):
            if len(token) < 2:
                continue
            parts = bpe_parts(token, self.ranks, max_rank=rank)
            assert len(parts) == 2, (token, parts)
            merges.append(f"{enc(parts[0])} {enc(parts[1])}")
        return merges

    def tokenizer_json(self):
        b2u = bytes_to_unicode()
        vocab = {"".join(b2u[x] for x in tok): rank for tok, rank in self.ranks.items()}
        added = []
        for name, i in self.specials.items():
            added.append(dict(id=i, content=name, single_word=False, lstrip=False, rstrip=False, normalized=False, special=True))
        for name, i in self.timestamps.items():
            added.append(dict(id=i, content=name, single_word=False, lstrip=False, rstrip=False, normalized=False, special=False))
        vocab.update({t["content"]: t["id"] for t in added if t["id"] == self.eot})
        sp = lambda name: {"SpecialToken": {"id": name, "type_id": 0}}
        prefix = ["<|startoftranscript|>", "<|notimestamps|>"]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [sp(n) for n in prefix] + [{"Sequence": {"id": "A", "type_id": 0}}, sp("<|endoftext|>")],
                "pair": [sp(n) for n in prefix] + [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, sp("<|endoftext|>")],
                "special_tokens": {n: {"id": n, "ids": [self[n]], "tokens": [n]} for n in prefix + ["<|endoftext|>"]},
            },
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {
                "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                "vocab": vocab, "merges": self.merges(),
            },
        }

    def write(self, folder):
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(self.tokenizer_json(), f, ensure_ascii=False, separators=(",", ":"))
        eot = "<|endoftext|>"
        added_decoder = {str(i): dict(content=n, lstrip=False, normalized=False, rstrip=False, single_word=False,
                                      special=n in self.specials)
                         for n, i in {**self.specials, **self.timestamps}.items()}
        config = {
            "tokenizer_class": "WhisperTokenizer",
            "add_prefix_space": False,
            "add_bos_token": False,
            "bos_token": eot, "eos_token": eot, "unk_token": eot, "pad_token": eot,
            "clean_up_tokenization_spaces": True,
            "errors": "replace",
            "model_max_length": 1024,
            "processor_class": "WhisperProcessor",
            "return_attention_mask": False,
            "additional_special_tokens": list(self.specials)[1:],
            "added_tokens_decoder": added_decoder,
        }
        with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
            json.dump(config, f, indent=1)
        with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
            json.dump({"bos_token": eot, "eos_token": eot, "unk_token": eot, "pad_token": eot,
                       "additional_special_tokens": list(self.specials)[1:]}, f, indent=1)
