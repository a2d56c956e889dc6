#!/usr/bin/env python3
"""Builds each supported transformers / timm architecture with random weights and writes, per
architecture, OUT/<name>/ with weights.safetensors (the library's own key names, or the hub's where
they differ), inputs.safetensors, expected.safetensors (the reference's outputs named after mmkd's
output ports) and component.txt (kind, type and the mmkd options that rebuild it, one per line).

The transformers are at reduced width and depth but use the real architectures and key layouts
(timm's vit_base_patch16_224 and beitv2_base_patch16_224 definitions with smaller sizes; fairseq's
Data2Vec2 image model, written here from fairseq's published definition: Data2Vec2 lives in fairseq's
examples/data2vec, which the PyPI package fairseq 0.12.2 does not ship); resnet50 is at its real size. parity_test (plugins/encoders/transformer) runs this script with the Python of
scripts/python-env and matches mmkd's outputs within 1e-4:
    python tools/make_parity_fixtures.py --out DIR
"""
import argparse
import pathlib

import timm
import torch
import transformers
from safetensors.torch import save_file

DIM, DEPTH, HEADS, IMAGE, PATCH = 32, 2, 4, 32, 8
SIZES = f"image_size: {IMAGE}, patch_size: {PATCH}, dim: {DIM}, depth: {DEPTH}, heads: {HEADS}, output_layers: true"
BEIT_OPTIONS = SIZES + ", qkv_bias: qv, layer_scale: 0.1, position: none"
IMAGENET_INPUT = "input_mean: [0.485, 0.456, 0.406], input_std: [0.229, 0.224, 0.225]"


def generator(seed):
    return torch.Generator().manual_seed(seed)


def randomized(model):
    g = generator(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)
    return model.eval()


def image_inputs(size=IMAGE):
    return {"image": torch.randn(2, 3, size, size, generator=generator(1))}


def trunk_outputs(tokens, layers, pooled):
    """mmkd's encoder ports: tokens, cls, pooled, embedding (= pooled without a head), layers."""
    return {"tokens": tokens, "cls": tokens[:, 0], "pooled": pooled, "embedding": pooled,
            "layers": torch.stack(list(layers))}


def vit_outputs(tokens, layers, pooled):
    return {**trunk_outputs(tokens, layers, pooled), "patches": tokens[:, 1:]}


def block_outputs(blocks, run):
    """Runs `run()` and returns its result and the output of every module in `blocks`."""
    outputs = []
    hooks = [block.register_forward_hook(lambda _m, _i, out: outputs.append(out)) for block in blocks]
    result = run()
    for hook in hooks:
        hook.remove()
    return result, outputs


def bert_config():
    return transformers.BertConfig(vocab_size=64, hidden_size=DIM, num_hidden_layers=DEPTH, num_attention_heads=HEADS,
                                   intermediate_size=4 * DIM, max_position_embeddings=16, hidden_dropout_prob=0.0,
                                   attention_probs_dropout_prob=0.0)


def bert_inputs():
    ids = torch.randint(1, 64, (2, 10), generator=generator(1))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0
    ids[1, 7:] = 0
    types = torch.zeros_like(ids)
    types[:, 5:] = 1
    return {"ids": ids, "mask": mask, "types": types}


def bert_expected(bert, inputs):
    out = bert(input_ids=inputs["ids"], attention_mask=inputs["mask"], token_type_ids=inputs["types"],
               output_hidden_states=True)
    return trunk_outputs(out.last_hidden_state, out.hidden_states[1:], out.pooler_output)


BERT_OPTIONS = (f"{{vocab_size: 64, max_len: 16, dim: {DIM}, depth: {DEPTH}, heads: {HEADS}, norm_eps: 1.0e-12, "
                "pooler: true, output_layers: true, format: hf_bert}")


def hf_bert():
    model = randomized(transformers.BertModel(bert_config(), add_pooling_layer=True))
    inputs = bert_inputs()
    return model.state_dict(), inputs, bert_expected(model, inputs), ("encoder", "bert", BERT_OPTIONS)


def hub_layer_norm_names(state):
    """The names the original BERT checkpoints on the hub use: LayerNorm.gamma / LayerNorm.beta."""
    renamed = {}
    for key, tensor in state.items():
        if ".LayerNorm." in key:
            key = key.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        renamed[key] = tensor
    return renamed


def hf_bert_pretraining_hub():
    """BertForPreTraining (bert. prefix, cls. heads) saved with the hub's gamma/beta LayerNorm names."""
    model = randomized(transformers.BertForPreTraining(bert_config()))
    inputs = bert_inputs()
    state = hub_layer_norm_names(model.state_dict())
    return state, inputs, bert_expected(model.bert, inputs), ("encoder", "bert", BERT_OPTIONS)


def hf_beit_like(model_class, config_class, shared, mean_pooling, fmt):
    config = config_class(image_size=IMAGE, patch_size=PATCH, hidden_size=DIM, num_hidden_layers=DEPTH,
                          num_attention_heads=HEADS, intermediate_size=4 * DIM, use_absolute_position_embeddings=False,
                          use_relative_position_bias=not shared, use_shared_relative_position_bias=shared,
                          layer_scale_init_value=0.1, use_mean_pooling=mean_pooling, hidden_dropout_prob=0.0,
                          attention_probs_dropout_prob=0.0, drop_path_rate=0.0)
    model = randomized(model_class(config, add_pooling_layer=True))
    inputs = image_inputs()
    out = model(pixel_values=inputs["image"], output_hidden_states=True)
    expected = vit_outputs(out.last_hidden_state, out.hidden_states[1:], out.pooler_output)
    relative = "shared" if shared else "per_layer"
    pooling = "mean" if mean_pooling else "cls"
    options = (f"{{{BEIT_OPTIONS}, relative_position: {relative}, pooling: {pooling}, norm_eps: 1.0e-12, "
               f"format: {fmt}}}")
    return model.state_dict(), inputs, expected, ("encoder", "vit", options)


def timm_trunk(model, inputs):
    tokens, layers = block_outputs(model.blocks, lambda: model.forward_features(inputs["image"]))
    return vit_outputs(tokens, layers, model.forward_head(tokens, pre_logits=True))


def timm_vit():
    model = randomized(timm.create_model("vit_base_patch16_224", pretrained=False, img_size=IMAGE, patch_size=PATCH,
                                         embed_dim=DIM, depth=DEPTH, num_heads=HEADS, num_classes=0))
    inputs = image_inputs()
    return model.state_dict(), inputs, timm_trunk(model, inputs), ("encoder", "vit", f"{{{SIZES}, format: timm_vit}}")


def timm_beitv2():
    model = randomized(timm.create_model("beitv2_base_patch16_224", pretrained=False, img_size=IMAGE, patch_size=PATCH,
                                         embed_dim=DIM, depth=DEPTH, num_heads=HEADS, num_classes=0))
    inputs = image_inputs()
    options = f"{{{BEIT_OPTIONS}, relative_position: per_layer, pooling: mean, format: timm_beitv2}}"
    return model.state_dict(), inputs, timm_trunk(model, inputs), ("encoder", "vit", options)


def timm_beitv2_shared():
    """BEiT v2 as unilm's self-supervised pt1k checkpoint is built: one relative position bias shared by
    all blocks, the final LayerNorm on every token, the CLS token its output (the thesis' teacher)."""
    model = randomized(timm.models.beit.Beit(
        img_size=IMAGE, patch_size=PATCH, embed_dim=DIM, depth=DEPTH, num_heads=HEADS, num_classes=0,
        use_abs_pos_emb=False, use_rel_pos_bias=False, use_shared_rel_pos_bias=True, init_values=0.1,
        global_pool="token"))
    inputs = image_inputs()
    options = f"{{{BEIT_OPTIONS}, relative_position: shared, pooling: cls, format: timm_beitv2}}"
    return model.state_dict(), inputs, timm_trunk(model, inputs), ("encoder", "vit", options)


def sincos_axis(dim, positions):
    omega = 1.0 / 10000 ** (torch.arange(dim // 2, dtype=torch.float64) / (dim / 2))
    angles = positions.reshape(-1, 1).double() * omega
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def mae_positions(dim, grid):
    """MAE's fixed 2-D sin-cos positions of the patches (no CLS row): x half, then y half."""
    ys, xs = torch.meshgrid(torch.arange(grid), torch.arange(grid), indexing="ij")
    return torch.cat([sincos_axis(dim // 2, xs), sincos_axis(dim // 2, ys)], dim=1).float().unsqueeze(0)


class PostNormBlock(torch.nn.Module):
    """fairseq's AltBlock with layer_norm_first=False: returns the output and the MLP output."""

    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = torch.nn.LayerNorm(DIM, eps=1e-6), torch.nn.LayerNorm(DIM, eps=1e-6)
        self.attn = torch.nn.Module()
        self.attn.qkv, self.attn.proj = torch.nn.Linear(DIM, 3 * DIM), torch.nn.Linear(DIM, DIM)
        self.mlp = torch.nn.Module()
        self.mlp.fc1, self.mlp.fc2 = torch.nn.Linear(DIM, 4 * DIM), torch.nn.Linear(4 * DIM, DIM)

    def attention(self, x):
        batch, tokens, _ = x.shape
        q, k, v = self.attn.qkv(x).reshape(batch, tokens, 3, HEADS, DIM // HEADS).permute(2, 0, 3, 1, 4)
        weights = ((q * (DIM // HEADS) ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        return self.attn.proj((weights @ v).transpose(1, 2).reshape(batch, tokens, DIM))

    def forward(self, x):
        h = self.norm1(x + self.attention(x))
        ffn = self.mlp.fc2(torch.nn.functional.gelu(self.mlp.fc1(h)))
        return self.norm2(h + ffn), ffn


class FairseqData2Vec2Image(torch.nn.Module):
    """Data2Vec2's image model as fairseq's data2vec_multi builds it (layer_norm_first false), under its key
    names: patch embedding plus fixed positions, the CLS extra token, LayerNorm, prenet blocks in the image
    encoder, then the main blocks; no final LayerNorm; the decoder is there but unused."""

    def __init__(self, prenet, main):
        super().__init__()
        image = torch.nn.Module()
        image.local_encoder = torch.nn.Module()
        image.local_encoder.proj = torch.nn.Conv2d(3, DIM, PATCH, PATCH)
        image.fixed_positional_encoder = torch.nn.Module()
        image.fixed_positional_encoder.positions = torch.nn.Parameter(mae_positions(DIM, IMAGE // PATCH), False)
        image.extra_tokens = torch.nn.Parameter(torch.zeros(1, 1, DIM))
        image.context_encoder = torch.nn.Module()
        image.context_encoder.blocks = torch.nn.ModuleList(PostNormBlock() for _ in range(prenet))
        image.context_encoder.norm = torch.nn.LayerNorm(DIM, eps=1e-6)
        image.decoder = torch.nn.Module()
        image.decoder.proj = torch.nn.Linear(DIM, DIM)
        self.modality_encoders = torch.nn.ModuleDict({"IMAGE": image})
        self.blocks = torch.nn.ModuleList(PostNormBlock() for _ in range(main))

    def forward(self, images):
        image = self.modality_encoders["IMAGE"]
        x = image.local_encoder.proj(images).flatten(2).transpose(1, 2) + image.fixed_positional_encoder.positions
        x = image.context_encoder.norm(torch.cat([image.extra_tokens.expand(x.shape[0], -1, -1), x], dim=1))
        layers, ffn_layers = [], []
        for block in list(image.context_encoder.blocks) + list(self.blocks):
            x, ffn = block(x)
            layers.append(x)
            ffn_layers.append(ffn)
        return x, layers, ffn_layers


def fairseq_data2vec2():
    model = FairseqData2Vec2Image(prenet=1, main=2)
    positions = model.modality_encoders["IMAGE"].fixed_positional_encoder.positions.detach().clone()
    randomized(model)
    with torch.no_grad():
        model.modality_encoders["IMAGE"].fixed_positional_encoder.positions.copy_(positions)
    inputs = image_inputs()
    tokens, layers, ffn_layers = model(inputs["image"])
    expected = {**vit_outputs(tokens, layers, tokens[:, 0]), "ffn_layers": torch.stack(ffn_layers)}
    options = (f"{{image_size: {IMAGE}, patch_size: {PATCH}, dim: {DIM}, depth: 3, heads: {HEADS}, position: sincos, "
               "block: post_norm, prenet_depth: 1, output_layers: true, output_ffn: true, format: fairseq_data2vec2}")
    return model.state_dict(), inputs, expected, ("encoder", "vit", options)


def timm_resnet50():
    """resnet50 at its real size; batch-norm statistics and scales drawn so no block is an identity."""
    torch.manual_seed(0)
    model = timm.create_model("resnet50", pretrained=False)
    g = generator(0)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                n = module.num_features
                module.weight.copy_(torch.rand(n, generator=g) * 0.5 + 0.5)
                module.bias.copy_(torch.randn(n, generator=g) * 0.1)
                module.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                module.running_var.copy_(torch.rand(n, generator=g) + 0.5)
    model.eval()
    inputs = image_inputs(64)
    features = model.forward_head(model.forward_features(inputs["image"]), pre_logits=True)
    expected = {"features": features, "logits": model.get_classifier()(features)}
    return model.state_dict(), inputs, expected, ("teacher", "resnet50_teacher", f"{{{IMAGENET_INPUT}, format: timm}}")


ARCHITECTURES = {
    "hf_bert": hf_bert,
    "hf_bert_pretraining_hub": hf_bert_pretraining_hub,
    "hf_beit": lambda: hf_beit_like(transformers.BeitModel, transformers.BeitConfig, False, False, "hf_beit"),
    "hf_data2vec_vision": lambda: hf_beit_like(transformers.Data2VecVisionModel, transformers.Data2VecVisionConfig,
                                               True, True, "hf_data2vec_vision"),
    "timm_vit_base_patch16_224": timm_vit,
    "timm_beitv2_base_patch16_224": timm_beitv2,
    "timm_beitv2_shared_relative_position": timm_beitv2_shared,
    "timm_resnet50": timm_resnet50,
    "fairseq_data2vec2": fairseq_data2vec2,
}


def contiguous(tensors):
    return {name: tensor.detach().contiguous().clone() for name, tensor in tensors.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder to write one subfolder per architecture into")
    out = pathlib.Path(parser.parse_args().out)
    torch.manual_seed(0)
    for name, build in ARCHITECTURES.items():
        with torch.no_grad():
            state, inputs, expected, (kind, component, options) = build()
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        save_file(contiguous(state), str(folder / "weights.safetensors"), metadata={"format": "pt"})
        save_file(contiguous(inputs), str(folder / "inputs.safetensors"))
        save_file(contiguous(expected), str(folder / "expected.safetensors"))
        (folder / "component.txt").write_text(f"{kind}\n{component}\n{options}\n")
        print(f"{name}: {', '.join(f'{port} {list(t.shape)}' for port, t in expected.items())}")


if __name__ == "__main__":
    main()
