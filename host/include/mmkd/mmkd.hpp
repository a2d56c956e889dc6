#pragma once
// Everything a plugin needs, torch::nn's common modules and functional ops included: no plugin
// needs <torch/torch.h>.
#include <mmkd/checkpoint_layout.hpp>
#include <mmkd/component.hpp>
#include <mmkd/context.hpp>
#include <mmkd/cuda_autocast.hpp>
#include <mmkd/collectives.hpp>
#include <mmkd/error.hpp>
#include <mmkd/loss_math.hpp>
#include <mmkd/options.hpp>
#include <mmkd/plugin.hpp>
#include <mmkd/registry.hpp>
#include <mmkd/safetensors.hpp>
#include <mmkd/sample_random.hpp>
#include <mmkd/tensor_map.hpp>
#include <mmkd/version.hpp>

#include <torch/autograd.h>
#include <torch/nn/functional.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/utils.h>
