#pragma once
// The trained weights of a run, found and read for `mmkd export` and `mmkd eval`.
#include <mmkd/options.hpp>
#include <mmkd/tensor_map.hpp>

#include <string>

namespace mmkd {

// The run's final weights (final.safetensors) or, when it has none, its newest checkpoint.
// Throws mmkd::Error naming the folder when it holds neither.
std::string trained_weights_of(const std::string& run_dir);

// Graph::state() tensors from a .safetensors file or a checkpoint (.pt).
TensorMap read_trained_weights(const std::string& path);

// A model node's options without its pretrained `checkpoint`: the trained weights replace it
// anyway, and a relative path would not resolve from the run folder.
Options without_pretrained_checkpoint(const Options& options);

}  // namespace mmkd
