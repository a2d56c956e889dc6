#pragma once
// Retrieval ranks when every caption describes exactly one image (COCO, Flickr30K): the same
// ranks as rank_of_best_correct (ties count against the query) from one pass over the
// similarity matrix, without an [images, captions] mask.
#include <torch/types.h>

namespace mmkd::retrieval {

struct CaptionRanks {
  torch::Tensor image_to_text;  // int64 [I]: wrong captions scoring at least the image's best caption
  torch::Tensor text_to_image;  // int64 [T]: other images scoring at least the caption's image
};

// similarity [I, T]; image_of_text int64 [T], the row of each caption's image.
CaptionRanks caption_ranks(const torch::Tensor& similarity, const torch::Tensor& image_of_text);

}  // namespace mmkd::retrieval
