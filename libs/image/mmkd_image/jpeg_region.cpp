#include <mmkd_image/jpeg_region.hpp>

#include <mmkd/error.hpp>

#include <csetjmp>
#include <cstdio>
#include <jpeglib.h>

namespace mmkd::image {

namespace {

struct ErrorManager {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr info) {
  auto* errors = reinterpret_cast<ErrorManager*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

void on_message(j_common_ptr, int) {}  // warnings (a truncated scan) are decoded as far as they go, as TurboJPEG does

struct Decompressor {
  Decompressor() {
    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = on_error;
    errors.manager.emit_message = on_message;
    errors.message[0] = '\0';
    jpeg_create_decompress(&info);
  }
  ~Decompressor() { jpeg_destroy_decompress(&info); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;
  jpeg_decompress_struct info;
  ErrorManager errors;
};

// The steps libjpeg may leave by longjmp; they hold no objects with destructors.
bool start(Decompressor& d, const uint8_t* data, size_t size, JpegScale scale, JDIMENSION* left, JDIMENSION* width,
           bool* cmyk) {
  if (setjmp(d.errors.jump)) return false;
  jpeg_mem_src(&d.info, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d.info, TRUE);
  *cmyk = d.info.jpeg_color_space == JCS_CMYK || d.info.jpeg_color_space == JCS_YCCK;
  if (*cmyk) return true;
  d.info.out_color_space = JCS_RGB;
  d.info.scale_num = static_cast<unsigned>(scale.num);
  d.info.scale_denom = static_cast<unsigned>(scale.denom);
  jpeg_start_decompress(&d.info);
  *width = std::min(*width, d.info.output_width - std::min(*left, d.info.output_width));
  jpeg_crop_scanline(&d.info, left, width);
  return true;
}

bool read_rows(Decompressor& d, JDIMENSION top, JDIMENSION height, uint8_t* out, size_t row_bytes) {
  if (setjmp(d.errors.jump)) return false;
  if (top > 0) jpeg_skip_scanlines(&d.info, top);
  for (JDIMENSION row = 0; row < height; ++row) {
    JSAMPROW target = out + row * row_bytes;
    jpeg_read_scanlines(&d.info, &target, 1);
  }
  jpeg_abort_decompress(&d.info);
  return true;
}

}  // namespace

JpegRegion decode_jpeg_region(const uint8_t* data, size_t size, JpegScale scale, int64_t top, int64_t left,
                              int64_t height, int64_t width) {
  Decompressor d;
  auto crop_left = static_cast<JDIMENSION>(left), crop_width = static_cast<JDIMENSION>(width);
  bool cmyk = false;
  if (!start(d, data, size, scale, &crop_left, &crop_width, &cmyk))
    throw DataError(std::string("corrupt JPEG: ") + d.errors.message);
  if (cmyk) return {};
  const int64_t rows = std::min<int64_t>(height, static_cast<int64_t>(d.info.output_height) - top);
  if (top < 0 || rows <= 0) throw Error("a JPEG region outside the image");
  JpegRegion region{torch::empty({rows, static_cast<int64_t>(crop_width), 3}, torch::kUInt8), top,
                    static_cast<int64_t>(crop_left)};
  if (!read_rows(d, static_cast<JDIMENSION>(top), static_cast<JDIMENSION>(rows), region.pixels.data_ptr<uint8_t>(),
                 static_cast<size_t>(crop_width) * 3))
    throw DataError(std::string("corrupt JPEG: ") + d.errors.message);
  return region;
}

}  // namespace mmkd::image
