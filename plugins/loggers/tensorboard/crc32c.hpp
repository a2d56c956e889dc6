#pragma once
// CRC-32C (Castagnoli), the checksum of TFRecord files.
#include <cstdint>
#include <string_view>

namespace mmkd::tensorboard {

uint32_t crc32c(std::string_view bytes);

// The form TFRecord stores: rotated right by 15 bits, plus 0xa282ead8.
uint32_t masked_crc32c(std::string_view bytes);

}  // namespace mmkd::tensorboard
