#!/usr/bin/env python3
"""Loads a folder `mmkd export` wrote for one model node (config.json + model.safetensors) by the
reference library's own API and writes its outputs on the given inputs:
    python tools/load_exported.py DIR --inputs IN.safetensors --out OUT.safetensors
transformers (config.json has model_type): AutoModel.from_pretrained(DIR); `tokens` is the last hidden
state for inputs ids/mask/types or image. timm (config.json has architecture):
timm.create_model("local-dir:DIR", pretrained=True); `tokens` is forward_features(image).
export_test (tests/e2e) compares them with mmkd's outputs of the same weights.
"""
import argparse
import json
import pathlib

import torch
from safetensors.torch import load_file, save_file


def transformers_tokens(folder, inputs):
    import transformers
    model = transformers.AutoModel.from_pretrained(folder, add_pooling_layer=False).eval()
    if "image" in inputs:
        return model(pixel_values=inputs["image"]).last_hidden_state
    return model(input_ids=inputs["ids"], attention_mask=inputs["mask"],
                 token_type_ids=inputs.get("types", torch.zeros_like(inputs["ids"]))).last_hidden_state


def timm_tokens(folder, inputs):
    import timm
    model = timm.create_model(f"local-dir:{folder}", pretrained=True).eval()
    return model.forward_features(inputs["image"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    config = json.loads((args.folder / "config.json").read_text())
    inputs = load_file(args.inputs)
    with torch.no_grad():
        run = transformers_tokens if "model_type" in config else timm_tokens
        tokens = run(str(args.folder), inputs)
    save_file({"tokens": tokens.contiguous()}, args.out)
    print(f"{args.folder.name}: {'transformers' if run is transformers_tokens else 'timm'} tokens {list(tokens.shape)}")


if __name__ == "__main__":
    main()
