# Fuzz targets of the wire codec (owner: wire). Included by tests/fuzz/CMakeLists.txt.
set(_wire_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
foreach(_t fuzz_message fuzz_sa_payload fuzz_attributes fuzz_id)
  ike_fuzz_target(${_t} SOURCES ${_wire_fuzz_dir}/${_t}.cc LIBS ike_wire)
endforeach()
