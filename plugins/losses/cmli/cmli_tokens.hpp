#pragma once
// Which positions of image and text token sequences take part in cross-modal late interaction
// (thesis Section 3.2.5.1): patches, and text tokens other than [CLS], [EOS] and padding.
#include <torch/types.h>

#include <string>

namespace mmkd::cmli {

// [B, T] bool from text_mask [B, T] (1 = token, 0 = padding): tokens that are neither position 0
// ([CLS]) nor the last token before padding or the end ([EOS]). Throws mmkd::Error naming `loss`
// when a caption has no such token.
torch::Tensor caption_words(const torch::Tensor& text_mask, const std::string& loss);

// [B, 1 + N, D] tokens with [I_CLS] first -> the N patches.
torch::Tensor patches(const torch::Tensor& image_tokens);

}  // namespace mmkd::cmli
