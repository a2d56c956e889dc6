#!/usr/bin/env python3
"""Writes PyTorch pickle checkpoints, and the tensors they hold as safetensors reference files, for
the tests of `mmkd convert` (tests/host/torch_pickle_test.cpp, tests/host/convert_checkpoint_test.cpp,
tests/e2e/convert_test.cpp). Every checkpoint is written twice: NAME.zip.pt (torch.save's zip
format) and NAME.legacy.pt (_use_new_zipfile_serialization=False); NAME.safetensors holds the
tensors a conversion must give.

    python tools/make_test_pickles.py --out DIR [--only NAME ...] [--pickles-only]

NAME: dtypes (every dtype, views, shared storages, a parameter), bert (transformers' BertModel with
the hub's LayerNorm gamma/beta names), timm (a timm training checkpoint: DataParallel `module.`
prefix, EMA weights, optimizer state, argparse.Namespace), beitv2 and beitv2_ft (microsoft/unilm
BEiT v2 pretraining and fine-tuning checkpoints, built from timm's Beit; beitv2_io.safetensors holds
an image and the tokens timm computes from it), fairseq (a state dict beside fairseq and omegaconf
configuration objects, numpy values, sets and enums), data2vec2 (fairseq's Data2Vec2 image checkpoint
layout; data2vec2_io.safetensors holds an image and what fairseq's forward computes from it), evil (evil_system, evil_eval and evil_popen,
whose unpickling by Python would create DIR/MARKER_<name>) and short_storage (a legacy file whose
tensor reaches past its storage). --pickles-only writes no safetensors files, so that a Python
without safetensors (Debian's torch 1.13) can run it.
"""
import argparse
import collections
import enum
import os
import pathlib
import subprocess
import sys
import types

import torch

DIM, DEPTH, HEADS, IMAGE, PATCH = 32, 2, 4, 32, 8
PICKLES_ONLY = False


def save_both(out, name, obj):
    torch.save(obj, str(out / f"{name}.zip.pt"))
    torch.save(obj, str(out / f"{name}.legacy.pt"), _use_new_zipfile_serialization=False)


def save_reference(out, name, tensors):
    if PICKLES_ONLY:
        return
    from safetensors.torch import save_file
    save_file({key: tensor.detach().contiguous().clone() for key, tensor in tensors.items()},
              str(out / f"{name}.safetensors"))


def with_module_metadata(state):
    """A state dict as nn.Module.state_dict() returns it: an OrderedDict carrying `_metadata`."""
    state = collections.OrderedDict(state)
    state._metadata = collections.OrderedDict({"": {"version": 1}})
    return state


def dtype_tensors():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 4
    shared = torch.arange(10, dtype=torch.int32)
    return {
        "float32": base,
        "float64": torch.linspace(-1, 1, 5, dtype=torch.float64),
        "float16": (base[:2] - 3).to(torch.float16),
        "bfloat16": torch.tensor([1.0, -3.5, 1e30, 0.0078125]).to(torch.bfloat16),
        "int64": torch.tensor([-1, 1 << 40, 7]),
        "int32": shared,
        "int16": torch.tensor([-300, 300], dtype=torch.int16),
        "int8": torch.tensor([-128, 127], dtype=torch.int8),
        "uint8": torch.tensor([0, 255, 3], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
        "view_with_offset": base[1:, 1::2],
        "transposed": base.t(),
        "shares_storage_with_int32": shared[3:7],
        "parameter": torch.nn.Parameter(torch.ones(2, 3, dtype=torch.bfloat16) * 0.5),
    }


def write_dtypes(out):
    save_both(out, "dtypes", with_module_metadata(dtype_tensors()))
    save_reference(out, "dtypes", dtype_tensors())


def tiny_bert_state():
    import transformers
    config = transformers.BertConfig(vocab_size=64, hidden_size=DIM, num_hidden_layers=DEPTH, num_attention_heads=HEADS,
                                     intermediate_size=4 * DIM, max_position_embeddings=16)
    return transformers.BertModel(config).state_dict()


def write_bert(out):
    from make_parity_fixtures import hub_layer_norm_names
    state = tiny_bert_state()
    save_both(out, "bert", hub_layer_norm_names(state))
    save_reference(out, "bert", state)


def write_timm(out):
    import timm
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=IMAGE, patch_size=PATCH,
                              embed_dim=DIM, depth=DEPTH, num_heads=HEADS, num_classes=5)
    state = model.state_dict()
    ema = {key: tensor * 0.5 if tensor.is_floating_point() else tensor for key, tensor in state.items()}
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.randn(1, 3, IMAGE, IMAGE)).sum().backward()
    optimizer.step()
    checkpoint = {
        "epoch": 3,
        "arch": "vit_tiny_patch16_224",
        "state_dict": with_module_metadata({"module." + key: tensor for key, tensor in state.items()}),
        "optimizer": optimizer.state_dict(),
        "args": argparse.Namespace(lr=1e-3, model="vit_tiny_patch16_224", img_size=(IMAGE, IMAGE)),
        "state_dict_ema": with_module_metadata(ema),
        "metric": 71.5,
    }
    save_both(out, "timm", checkpoint)
    save_reference(out, "timm", state)
    save_reference(out, "timm_ema", ema)


def tiny_beit(**options):
    from timm.models.beit import Beit
    torch.manual_seed(0)
    model = Beit(img_size=IMAGE, patch_size=PATCH, embed_dim=DIM, depth=DEPTH, num_heads=HEADS, init_values=0.1,
                 use_abs_pos_emb=False, **options)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape) * 0.2)
    return model


def unilm_training_checkpoint(state):
    return {"model": state, "optimizer": {"state": {}, "param_groups": [{"lr": 1e-3, "params": [0, 1]}]},
            "epoch": 299, "scaler": {"scale": 65536.0, "growth_factor": 2.0, "_growth_tracker": 100},
            "args": argparse.Namespace(model="beit_base_patch16_224_8k_vocab_cls_pt", shared_rel_pos_bias=True)}


def write_beitv2(out):
    """A BEiT v2 pretraining checkpoint as microsoft/unilm writes it: timm's Beit names, one shared relative
    position bias, plus the MIM head, the patch-aggregation layers, the mask token and index buffers."""
    timm_model = tiny_beit(num_classes=0, global_pool="token", use_rel_pos_bias=False, use_shared_rel_pos_bias=True)
    state = collections.OrderedDict(timm_model.state_dict())
    tokens = (IMAGE // PATCH) ** 2 + 1
    unilm = collections.OrderedDict(state)
    unilm["mask_token"] = torch.zeros(1, 1, DIM)
    unilm["rel_pos_bias.relative_position_index"] = torch.arange(tokens * tokens).reshape(tokens, tokens)
    for key, tensor in timm_model.blocks[0].state_dict().items():
        unilm[f"cls_pt_layers.0.{key}"] = tensor.clone()
        unilm[f"cls_pt_layers.1.{key}"] = tensor.clone()
    unilm["lm_head.weight"] = torch.randn(8192 // 64, DIM)
    unilm["lm_head.bias"] = torch.zeros(8192 // 64)
    save_both(out, "beitv2", unilm_training_checkpoint(with_module_metadata(unilm)))
    save_reference(out, "beitv2", state)
    image = torch.randn(2, 3, IMAGE, IMAGE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        save_reference(out, "beitv2_io", {"image": image, "tokens": timm_model.eval().forward_features(image)})


def write_data2vec2(out):
    """fairseq's Data2Vec2 image checkpoint (base_imagenet.pt's layout, tiny): the model under `model` with its
    decoder and EMA copy, a fairseq config beside it; data2vec2_io.safetensors holds an image and the tokens
    and MLP outputs of make_parity_fixtures.py's reference of fairseq's forward."""
    from make_parity_fixtures import FairseqData2Vec2Image, randomized
    fake_module("fairseq.dataclass.configs", FairseqConfig)
    model = FairseqData2Vec2Image(prenet=1, main=2)
    positions = model.modality_encoders["IMAGE"].fixed_positional_encoder.positions.detach().clone()
    randomized(model)
    with torch.no_grad():
        model.modality_encoders["IMAGE"].fixed_positional_encoder.positions.copy_(positions)
    state = collections.OrderedDict(model.state_dict())
    kept = collections.OrderedDict((k, v) for k, v in state.items() if ".decoder." not in k)
    state["_ema"] = torch.zeros(3)
    save_both(out, "data2vec2", {"model": state, "cfg": FairseqConfig(model="data2vec_multi")})
    save_reference(out, "data2vec2", kept)
    image = torch.randn(2, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        tokens, _, ffn_layers = model(image)
    save_reference(out, "data2vec2_io", {"image": image, "tokens": tokens, "ffn_layers": torch.stack(ffn_layers)})


def write_beitv2_fine_tuned(out):
    """unilm's fine-tuned BEiT v2: per-layer relative positions (with index buffers), fc_norm and head."""
    timm_model = tiny_beit(num_classes=5, global_pool="avg", use_rel_pos_bias=True)
    state = collections.OrderedDict(timm_model.state_dict())
    tokens = (IMAGE // PATCH) ** 2 + 1
    unilm = collections.OrderedDict()
    for key, tensor in state.items():
        unilm[key] = tensor
        if key.endswith("attn.relative_position_bias_table"):
            unilm[key.replace("bias_table", "index")] = torch.arange(tokens * tokens).reshape(tokens, tokens)
    save_both(out, "beitv2_ft", unilm_training_checkpoint(with_module_metadata(unilm)))
    save_reference(out, "beitv2_ft", state)


def fake_module(name, *classes):
    """Registers a module named `name` (and its parents) holding `classes`, so that pickle records them
    under that name."""
    parts = name.split(".")
    for end in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:end]), types.ModuleType(".".join(parts[:end])))
    module = sys.modules[name]
    for cls in classes:
        cls.__module__ = name
        setattr(module, cls.__name__, cls)


class FairseqConfig:
    def __init__(self, **fields):
        self.__dict__.update(fields)


class DictConfig:
    def __init__(self, content):
        self._content = content
        self._metadata = {"object_type": dict, "optional": True}


class AnyNode:
    def __init__(self, value):
        self._val = value


class ChoiceEnum(enum.Enum):
    SOFT = "soft"
    HARD = "hard"


def write_fairseq(out):
    import numpy
    fake_module("fairseq.dataclass.configs", FairseqConfig)
    fake_module("fairseq.dataclass.constants", ChoiceEnum)
    fake_module("omegaconf.dictconfig", DictConfig)
    fake_module("omegaconf.nodes", AnyNode)
    state = collections.OrderedDict([
        ("encoder.embed.weight", torch.randn(6, 4)),
        ("encoder.layers.0.fc.weight", torch.randn(4, 4)),
        ("encoder.layers.0.fc.bias", torch.zeros(4, dtype=torch.float16)),
        ("encoder.version", torch.tensor([3.0])),
    ])
    model_config = DictConfig({"_name": AnyNode("data2vec_multi"), "depth": AnyNode(2),
                               "layers": DictConfig({"dropout": AnyNode(0.1)})})
    checkpoint = {
        "model": state,
        "args": argparse.Namespace(arch="data2vec_multi", lr=[5e-4], seed=1),
        "cfg": FairseqConfig(model=model_config, mode=ChoiceEnum.HARD, tags={"a", "b"}, path=pathlib.PurePosixPath("/x"),
                             dtype=torch.float16, device=torch.device("cpu"), shape=torch.Size([2, 3])),
        "optimizer_history": [{"criterion_name": "ModelCriterion", "optimizer_name": "FairseqAdam",
                               "lr_scheduler_state": {"best": numpy.float64(3.5)}, "num_updates": 400000}],
        "extra_state": {"epoch": 800, "previous_training_time": 1234.5, "mean": numpy.arange(3, dtype=numpy.float32),
                        "count": numpy.int64(7), "bytes": b"\x00\xff", "frozen": frozenset([1]), "none": None,
                        "big": 1 << 70, "negative": -(1 << 40), "nested": ((1, 2.5), [True, False])},
        "last_optimizer_state": None,
    }
    save_both(out, "fairseq", checkpoint)
    save_reference(out, "fairseq", state)


class Evil:
    def __init__(self, call, argument):
        self.call, self.argument = call, argument

    def __reduce__(self):
        return self.call, (self.argument,)


def write_evil(out):
    """Checkpoints whose loading with pickle would create OUT/MARKER_<name>."""
    def marker(name):
        return str(out / f"MARKER_{name}")

    calls = {
        "system": (os.system, f"touch '{marker('system')}'"),
        "eval": (eval, f"open({marker('eval')!r}, 'w')"),
        "popen": (subprocess.Popen, ["touch", marker("popen")]),
    }
    for name, (call, argument) in calls.items():
        save_both(out, f"evil_{name}", {"model": {"weight": torch.zeros(2)}, "payload": Evil(call, argument)})


def write_short_storage(out):
    """A legacy checkpoint whose only storage is cut from 4 elements to 2, the tensor on it left at 4."""
    path = out / "short_storage.legacy.pt"
    torch.save({"weight": torch.arange(4.0)}, str(path), _use_new_zipfile_serialization=False)
    data = path.read_bytes()
    path.write_bytes(data[:-24] + (2).to_bytes(8, "little") + data[-16:-8])


WRITERS = {"dtypes": write_dtypes, "bert": write_bert, "timm": write_timm, "beitv2": write_beitv2,
           "beitv2_ft": write_beitv2_fine_tuned, "fairseq": write_fairseq, "data2vec2": write_data2vec2, "evil": write_evil,
           "short_storage": write_short_storage}


def main():
    global PICKLES_ONLY
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", nargs="+", choices=sorted(WRITERS), default=sorted(WRITERS))
    parser.add_argument("--pickles-only", action="store_true", help="no safetensors reference files")
    args = parser.parse_args()
    PICKLES_ONLY = args.pickles_only
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in args.only:
        torch.manual_seed(0)
        WRITERS[name](out)
    print(f"torch {torch.__version__}: {len(list(out.iterdir()))} files in {out}")


if __name__ == "__main__":
    main()
