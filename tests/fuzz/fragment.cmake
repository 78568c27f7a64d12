# Fuzz target of IKEv1 fragmentation (owner: wire fragment codec + engine reassembler). Included
# by tests/fuzz/CMakeLists.txt. Corpus: fragment sequences written by make_fragment_corpus.py.
ike_fuzz_target(fuzz_fragments SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_fragments.cc
                LIBS ike_engine)
