#pragma once
// FILIP's cross-modal late interaction similarity (seed 004 Eq. 1-4, thesis Eq. 71-74) for every
// image with every text of a batch.
#include <torch/types.h>

namespace mmkd::cmli {

struct LateInteraction {
  torch::Tensor i2t;  // [I, J]: each patch's best word, averaged over the patches (Eq. 1, 3)
  torch::Tensor t2i;  // [I, J]: each word's best patch, averaged over the words (Eq. 2, 4)
};

// patches [I, N, D] with patch_valid [I, N], words [J, T, D] with word_valid [J, T] (bool); similarities are
// cosines, invalid positions take part in no maximum and no mean.
LateInteraction late_interaction(const torch::Tensor& patches, const torch::Tensor& patch_valid,
                                 const torch::Tensor& words, const torch::Tensor& word_valid);

}  // namespace mmkd::cmli
