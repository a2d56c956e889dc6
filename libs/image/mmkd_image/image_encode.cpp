#include <mmkd_image/image_encode.hpp>

#include <mmkd/error.hpp>

#include <png.h>
#include <turbojpeg.h>

#include <csetjmp>
#include <fstream>

namespace mmkd::image {

namespace {

struct PngSink {
  std::vector<uint8_t> bytes;
  std::string error;
};

void png_write_memory(png_structp png, png_bytep data, size_t length) {
  auto& bytes = static_cast<PngSink*>(png_get_io_ptr(png))->bytes;
  bytes.insert(bytes.end(), data, data + length);
}

void png_flush_nothing(png_structp) {}

void png_write_fail(png_structp png, png_const_charp message) {
  static_cast<PngSink*>(png_get_error_ptr(png))->error = message;
  png_longjmp(png, 1);
}

struct PngLayout {
  uint32_t width, height;
  int bit_depth, color_type;
  const png_color* palette;
  int palette_size;
};

// The step libpng may leave by longjmp; it holds no objects with destructors.
bool png_write_all(png_structp png, png_infop info, const PngLayout* layout, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, layout->width, layout->height, layout->bit_depth, layout->color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (layout->palette != nullptr) png_set_PLTE(png, info, layout->palette, layout->palette_size);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

// `pixels`: rows of big-endian samples, `row_bytes` each.
std::vector<uint8_t> write_png(const PngLayout& layout, std::vector<uint8_t>& pixels, size_t row_bytes) {
  PngSink sink;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, png_write_fail, nullptr);
  png_infop info = png == nullptr ? nullptr : png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    throw Error("cannot start the PNG encoder");
  }
  png_set_write_fn(png, &sink, png_write_memory, png_flush_nothing);
  std::vector<png_bytep> rows(layout.height);
  for (uint32_t y = 0; y < layout.height; ++y) rows[y] = pixels.data() + y * row_bytes;
  const bool written = png_write_all(png, info, &layout, rows.data());
  png_destroy_write_struct(&png, &info);
  if (!written) throw Error("PNG encoding failed: " + sink.error);
  return std::move(sink.bytes);
}

}  // namespace

std::vector<uint8_t> encode_jpeg(const torch::Tensor& image, int quality) {
  TORCH_CHECK(image.dim() == 3 && image.scalar_type() == torch::kUInt8, "encode_jpeg expects uint8 [H, W, C]");
  const int64_t channels = image.size(2);
  TORCH_CHECK(channels == 1 || channels == 3 || channels == 4, "encode_jpeg expects 1, 3 or 4 channels");
  const int format = channels == 1 ? TJPF_GRAY : channels == 3 ? TJPF_RGB : TJPF_CMYK;
  const torch::Tensor pixels = image.contiguous();
  tjhandle handle = tjInitCompress();
  if (handle == nullptr) throw Error("cannot start the JPEG encoder");
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int status = tjCompress2(handle, pixels.data_ptr<uint8_t>(), static_cast<int>(image.size(1)), 0,
                                 static_cast<int>(image.size(0)), format, &jpeg, &size,
                                 channels == 1 ? TJSAMP_GRAY : TJSAMP_420, quality, 0);
  const std::string message = status == 0 ? "" : tjGetErrorStr2(handle);
  std::vector<uint8_t> bytes(jpeg, jpeg + (status == 0 ? size : 0));
  tjFree(jpeg);
  tjDestroy(handle);
  if (status != 0) throw Error("JPEG encoding failed: " + message);
  return bytes;
}

std::vector<uint8_t> encode_png(const torch::Tensor& image) {
  TORCH_CHECK(image.dim() == 3 && image.size(2) >= 1 && image.size(2) <= 4, "encode_png expects [H, W, C], C in 1..4");
  TORCH_CHECK(image.scalar_type() == torch::kUInt8 || image.scalar_type() == torch::kInt32,
              "encode_png expects uint8 or int32 samples");
  static const int color_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                    PNG_COLOR_TYPE_RGB_ALPHA};
  const bool sixteen = image.scalar_type() == torch::kInt32;
  const PngLayout layout{static_cast<uint32_t>(image.size(1)), static_cast<uint32_t>(image.size(0)), sixteen ? 16 : 8,
                         color_types[image.size(2) - 1], nullptr, 0};
  const torch::Tensor samples = image.to(torch::kInt32).contiguous();
  std::vector<uint8_t> pixels;
  for (const int32_t* s = samples.data_ptr<int32_t>(), *end = s + samples.numel(); s != end; ++s) {
    if (sixteen) pixels.push_back(static_cast<uint8_t>(*s >> 8));
    pixels.push_back(static_cast<uint8_t>(*s & 0xFF));
  }
  return write_png(layout, pixels, pixels.size() / layout.height);
}

std::vector<uint8_t> encode_png_palette(const torch::Tensor& indices, const torch::Tensor& palette) {
  TORCH_CHECK(indices.dim() == 2 && indices.scalar_type() == torch::kUInt8, "encode_png_palette expects uint8 [H, W]");
  TORCH_CHECK(palette.dim() == 2 && palette.size(1) == 3 && palette.size(0) <= 256 && palette.scalar_type() == torch::kUInt8,
              "encode_png_palette expects a uint8 palette [N <= 256, 3]");
  std::vector<png_color> colors;
  const torch::Tensor entries = palette.contiguous();
  for (int64_t i = 0; i < entries.size(0); ++i) {
    const uint8_t* rgb = entries.data_ptr<uint8_t>() + i * 3;
    colors.push_back({rgb[0], rgb[1], rgb[2]});
  }
  const PngLayout layout{static_cast<uint32_t>(indices.size(1)), static_cast<uint32_t>(indices.size(0)), 8,
                         PNG_COLOR_TYPE_PALETTE, colors.data(), static_cast<int>(colors.size())};
  const torch::Tensor contiguous = indices.contiguous();
  std::vector<uint8_t> pixels(contiguous.data_ptr<uint8_t>(), contiguous.data_ptr<uint8_t>() + contiguous.numel());
  return write_png(layout, pixels, static_cast<size_t>(layout.width));
}

void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary);
  if (!file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw Error("cannot write " + path);
}

}  // namespace mmkd::image
