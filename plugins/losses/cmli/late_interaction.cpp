#include "late_interaction.hpp"

#include <torch/types.h>

#include <limits>
#include <mmkd/loss_math.hpp>

namespace mmkd::cmli {

LateInteraction late_interaction(const torch::Tensor& patches, const torch::Tensor& patch_valid,
                                 const torch::Tensor& words, const torch::Tensor& word_valid) {
  const int64_t images = patches.size(0), texts = words.size(0);
  const double lowest = -std::numeric_limits<double>::infinity();
  const torch::Tensor similarity =
      torch::einsum("ind,jtd->ijnt", {l2_normalize(patches), l2_normalize(words)});  // [I, J, N, T]

  const torch::Tensor best_word =
      similarity.masked_fill(~word_valid.view({1, texts, 1, -1}), lowest).amax(3);  // Eq. 1, [I, J, N]
  const torch::Tensor i2t = best_word.masked_fill(~patch_valid.view({images, 1, -1}), 0).sum(2) /
                            patch_valid.sum(1).view({images, 1});  // Eq. 3

  const torch::Tensor best_patch =
      similarity.masked_fill(~patch_valid.view({images, 1, -1, 1}), lowest).amax(2);  // Eq. 2, [I, J, T]
  const torch::Tensor t2i =
      best_patch.masked_fill(~word_valid.view({1, texts, -1}), 0).sum(2) / word_valid.sum(1).view({1, texts});  // Eq. 4
  return {i2t, t2i};
}

}  // namespace mmkd::cmli
