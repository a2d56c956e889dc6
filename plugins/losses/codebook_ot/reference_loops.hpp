#pragma once
// Test-only: CODIS written as plain loops in double, independent of the plugin's tensor code.
#include <torch/types.h>

#include <vector>

namespace codis_reference {

using Vector = std::vector<double>;
using Matrix = std::vector<Vector>;

Matrix to_matrix(const torch::Tensor& t);
double cosine(const Vector& a, const Vector& b);

// Algorithm 2 with marginals mu [N], nu [K].
Matrix ipot(const Matrix& cost, const Vector& mu, const Vector& nu, double epsilon, int outer, int inner);
double frobenius(const Matrix& a, const Matrix& b);  // <A, B>

struct CodebookParts {
  double ot_image = 0, ot_text = 0, tp = 0, ip = 0;
};
// Eq. 1-3 with uniform marginals; plans from the momentum rows.
CodebookParts codebook_loss(const Matrix& image, const Matrix& text, const Matrix& image_momentum,
                            const Matrix& text_momentum, const Matrix& codebook, double temperature, double epsilon,
                            int outer, int inner, bool swapped);

struct AlignmentParts {
  double i2t = 0, t2i = 0, i2i = 0, t2t = 0;
};
// Eq. 4-5; candidates are the batch's momentum rows followed by the queue rows.
AlignmentParts alignment_loss(const Matrix& image, const Matrix& text, const Matrix& image_momentum,
                              const Matrix& text_momentum, const Matrix& image_queue, const Matrix& text_queue,
                              double temperature, double alpha);

}  // namespace codis_reference
