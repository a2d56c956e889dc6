#!/usr/bin/env python3
"""Builds each supported Hugging Face / timm architecture at a tiny size with random weights and
writes, per architecture, tests/fixtures/parity/<name>/ with weights.safetensors (the library's own
key names), inputs.safetensors, expected.safetensors (reference outputs named after mmkd's output
ports) and component.txt (kind, type and the mmkd options that rebuild it, one per line).

Needs torch, transformers, timm and safetensors (the GPU machines of the device tool have them):
    python3 tools/make_parity_fixtures.py [--out tests/fixtures/parity]
The CPU test parity_test (plugins/encoders/transformer) matches mmkd's outputs within 1e-4.
"""
import argparse
import pathlib

import timm
import torch
import transformers
from safetensors.torch import save_file

DIM, DEPTH, HEADS, IMAGE, PATCH = 32, 2, 4, 32, 8
VIT_OPTIONS = f"image_size: {IMAGE}, patch_size: {PATCH}, dim: {DIM}, depth: {DEPTH}, heads: {HEADS}"
BEIT_OPTIONS = VIT_OPTIONS + ", qkv_bias: qv, layer_scale: 0.1, position: none"


def randomized(model):
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.2)
    return model.eval()


def image_inputs():
    return {"image": torch.randn(2, 3, IMAGE, IMAGE, generator=torch.Generator().manual_seed(1))}


def hf_bert():
    config = transformers.BertConfig(vocab_size=64, hidden_size=DIM, num_hidden_layers=DEPTH, num_attention_heads=HEADS,
                                     intermediate_size=4 * DIM, max_position_embeddings=16, hidden_dropout_prob=0.0,
                                     attention_probs_dropout_prob=0.0)
    model = randomized(transformers.BertModel(config, add_pooling_layer=True))
    ids = torch.randint(1, 64, (2, 10), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    ids[1, 7:] = 0
    types = torch.zeros_like(ids)
    types[:, 5:] = 1
    out = model(input_ids=ids, attention_mask=mask, token_type_ids=types)
    expected = {"tokens": out.last_hidden_state, "pooled": out.pooler_output}
    options = (f"{{vocab_size: 64, max_len: 16, dim: {DIM}, depth: {DEPTH}, heads: {HEADS}, norm_eps: 1.0e-12, "
               "pooler: true, format: hf_bert}")
    return model, {"ids": ids, "mask": mask, "types": types}, expected, ("encoder", "bert", options)


def hf_beit_like(model_class, config_class, shared, fmt):
    config = config_class(image_size=IMAGE, patch_size=PATCH, hidden_size=DIM, num_hidden_layers=DEPTH,
                          num_attention_heads=HEADS, intermediate_size=4 * DIM, use_absolute_position_embeddings=False,
                          use_relative_position_bias=not shared, use_shared_relative_position_bias=shared,
                          layer_scale_init_value=0.1, use_mean_pooling=False, hidden_dropout_prob=0.0,
                          attention_probs_dropout_prob=0.0, drop_path_rate=0.0)
    model = randomized(model_class(config, add_pooling_layer=False))
    inputs = image_inputs()
    expected = {"tokens": model(pixel_values=inputs["image"]).last_hidden_state}
    relative = "shared" if shared else "per_layer"
    options = f"{{{BEIT_OPTIONS}, relative_position: {relative}, norm_eps: 1.0e-12, format: {fmt}}}"
    return model, inputs, expected, ("encoder", "vit", options)


def timm_vit():
    model = randomized(timm.models.vision_transformer.VisionTransformer(
        img_size=IMAGE, patch_size=PATCH, embed_dim=DIM, depth=DEPTH, num_heads=HEADS, num_classes=0,
        global_pool="token"))
    inputs = image_inputs()
    expected = {"tokens": model.forward_features(inputs["image"])}
    return model, inputs, expected, ("encoder", "vit", f"{{{VIT_OPTIONS}, format: timm_vit}}")


def timm_beitv2():
    model = randomized(timm.models.beit.Beit(
        img_size=IMAGE, patch_size=PATCH, embed_dim=DIM, depth=DEPTH, num_heads=HEADS, num_classes=0,
        use_abs_pos_emb=False, use_rel_pos_bias=True, init_values=0.1, global_pool="avg"))
    inputs = image_inputs()
    tokens = model.forward_features(inputs["image"])
    expected = {"tokens": tokens, "pooled": model.forward_head(tokens, pre_logits=True)}
    options = f"{{{BEIT_OPTIONS}, relative_position: per_layer, pooling: mean, format: timm_beitv2}}"
    return model, inputs, expected, ("encoder", "vit", options)


ARCHITECTURES = {
    "hf_bert": hf_bert,
    "hf_beit": lambda: hf_beit_like(transformers.BeitModel, transformers.BeitConfig, False, "hf_beit"),
    "hf_data2vec_vision": lambda: hf_beit_like(transformers.Data2VecVisionModel, transformers.Data2VecVisionConfig,
                                               True, "hf_data2vec_vision"),
    "timm_vit": timm_vit,
    "timm_beitv2": timm_beitv2,
}


def contiguous(tensors):
    return {name: tensor.detach().contiguous().clone() for name, tensor in tensors.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/parity"))
    out = pathlib.Path(parser.parse_args().out)
    torch.manual_seed(0)
    for name, build in ARCHITECTURES.items():
        with torch.no_grad():
            model, inputs, expected, (kind, component, options) = build()
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        save_file(contiguous(model.state_dict()), str(folder / "weights.safetensors"), metadata={"format": "pt"})
        save_file(contiguous(inputs), str(folder / "inputs.safetensors"))
        save_file(contiguous(expected), str(folder / "expected.safetensors"))
        (folder / "component.txt").write_text(f"{kind}\n{component}\n{options}\n")
        print(f"wrote {folder}")


if __name__ == "__main__":
    main()
