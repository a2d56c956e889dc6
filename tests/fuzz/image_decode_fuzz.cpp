// JPEG and PNG decoding: the header alone, a whole decode, a decode at the DCT scale a crop
// needs, and a JPEG region decode of a crop inside the image. The first byte picks the crop.
#include "fuzz_target.hpp"

#include <mmkd_image/image_decode.hpp>
#include <mmkd_image/jpeg_region.hpp>

#include <algorithm>

MMKD_FUZZ_TARGET(image_decode) {
  if (size < 1) return;
  const uint8_t choice = data[0];
  const uint8_t* image = data + 1;
  const size_t bytes = size - 1;
  namespace image_ns = mmkd::image;
  mmkd::fuzz::allow_input_errors([&] {
    const image_ns::ImageSize full = image_ns::read_image_size(image, bytes);
    image_ns::decode_image(image, bytes);
    const image_ns::ImageSize wanted{1 + (full.height * (choice & 7)) / 8, 1 + (full.width * ((choice >> 3) & 7)) / 8};
    image_ns::decode_image(image, bytes, wanted);
    if (image_ns::detect_format(image, bytes) != image_ns::ImageFormat::Jpeg) return;
    const image_ns::JpegScale scale = image_ns::jpeg_scale_for(full, wanted);
    const int64_t height = (full.height * scale.num + scale.denom - 1) / scale.denom;
    const int64_t width = (full.width * scale.num + scale.denom - 1) / scale.denom;
    const int64_t crop_height = std::max<int64_t>(1, height / 2), crop_width = std::max<int64_t>(1, width / 2);
    const int64_t top = (choice >> 6) & 1 ? height - crop_height : 0;
    const int64_t left = (choice >> 7) & 1 ? width - crop_width : 0;
    image_ns::decode_jpeg_region(image, bytes, scale, top, left, crop_height, crop_width);
  });
}
