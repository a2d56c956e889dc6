#pragma once
// Helpers the thesis' components share, beside the SDK of mmkd.hpp: a MoCo-style feature queue
// (Eq. 84), a CLIP-style learned temperature (Eq. 34), an image teacher's input handling and the
// percent columns of the thesis' results tables.
#include <mmkd/kit/feature_queue.hpp>
#include <mmkd/kit/logit_scale.hpp>
#include <mmkd/kit/percent_cell.hpp>
#include <mmkd/kit/teacher_input.hpp>
