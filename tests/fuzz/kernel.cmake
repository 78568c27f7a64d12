# Fuzz targets of the kernel reply parsers (owner: src/kernel). Included by
# tests/fuzz/CMakeLists.txt. Corpora: the netlink requests `ip xfrm` sends
# (tests/vectors/xfrm_ip_xfrm.vec; NEWSA/NEWPOLICY share their layout with dump entries) and
# PF_KEY messages built by pfkey_message.h (tests/fuzz/make_kernel_corpus.py wrote both).
ike_fuzz_target(fuzz_xfrm_replies SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_xfrm_replies.cc
                LIBS ike_kernel)
ike_fuzz_target(fuzz_pfkey_replies SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_pfkey_replies.cc
                LIBS ike_kernel)
