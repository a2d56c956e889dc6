#include "itm_rerank.hpp"
#include "median_rank.hpp"
#include "retrieval.hpp"

static void register_components(mmkd::Registry& registry) {
  registry.add<mmkd::retrieval::Retrieval>();
  registry.add<mmkd::retrieval::MedianRank>();
  registry.add<mmkd::retrieval::ItmRerank>();
}

MMKD_PLUGIN("evaluators_retrieval", "0.1.0", register_components)
