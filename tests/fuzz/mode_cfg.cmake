# Fuzz target of the mode-config attribute check (owner: src/engine mode_cfg.h). Included by
# tests/fuzz/CMakeLists.txt. Seeds in tests/fuzz/corpus/fuzz_mode_cfg/ (ATTRIBUTE payload bodies).
if(TARGET ike_engine)
  ike_fuzz_target(fuzz_mode_cfg SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_mode_cfg.cc
                  LIBS ike_engine)
endif()
