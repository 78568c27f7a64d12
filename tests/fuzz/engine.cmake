# Stateful engine fuzz target (reliability.md §A4 F2; owner: src/engine). Included by
# tests/fuzz/CMakeLists.txt. Two in-process engines driven by a fuzz-chosen program; the seed
# corpus (tests/fuzz/corpus/fuzz_engine/) is written by tests/fuzz/make_engine_corpus.py.
# fuzz_engine.cc defines `ike_fuzzing_accept_bad_auth` (engine/fuzzing_hook.h), the only
# definition anywhere: the HASH/SIG bypass exists in fuzz_engine and fuzz_engine_replay only.
set(IKE_FUZZ_ENGINE_SUPPORT ${PROJECT_SOURCE_DIR}/tests/support/scripted_random.cc
    ${PROJECT_SOURCE_DIR}/tests/support/recording_kernel.cc
    ${PROJECT_SOURCE_DIR}/tests/support/simulated_nat.cc)
if(TARGET ike_engine)
  ike_fuzz_target(fuzz_engine SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_engine.cc
                  ${IKE_FUZZ_ENGINE_SUPPORT} LIBS ike_engine)
endif()

# No production binary may carry the bypass: the daemon must not define the hook symbol (a weak
# undefined reference `w` is expected; `T`/`t`/`W` would be a definition). The same nm check
# must find the definition in fuzz_engine_replay, so the test cannot pass vacuously.
if(TARGET isakmpd AND TARGET fuzz_engine_replay)
  set(hook_re "' [TtWDdBb] ike_fuzzing_accept_bad_auth$'")
  add_test(NAME engine_fuzzing_hook_not_in_daemon
           COMMAND sh -c "nm \"$<TARGET_FILE:fuzz_engine_replay>\" | grep -qE ${hook_re} && ! nm \"$<TARGET_FILE:isakmpd>\" | grep -E ${hook_re}")
  set_tests_properties(engine_fuzzing_hook_not_in_daemon PROPERTIES LABELS unit)
endif()

# The seed corpus must reach every transition table row (15/15 with the mode-config seeds): the
# replay of the unmutated corpus exits 1 at the end otherwise (fuzz_engine.cc, print_coverage).
if(TARGET fuzz_engine_replay)
  add_test(NAME fuzz_engine_corpus_covers_all_rows
           COMMAND fuzz_engine_replay --gtest_filter=FuzzReplay.CorpusFiles)
  set_tests_properties(fuzz_engine_corpus_covers_all_rows PROPERTIES LABELS fuzz
                       ENVIRONMENT IKE_FUZZ_ENGINE_REQUIRE_ALL_ROWS=1)
endif()
