# Project-wide warnings; -Werror unless IKE_WERROR=OFF.
function(ike_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wsign-conversion -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough -Wformat=2)
  # GCC 12 at -O2/-O3 reports false positives inside libstdc++ (std::string operator+ ->
  # -Wrestrict, GCC bug 105329; vector internals -> -Wnull-dereference; vector::insert after an
  # initializer list -> -Warray-bounds/-Wstringop-overread/-overflow, GCC bug 107852). They stay
  # on in Debug and the sanitizer build (what CI compiles), where they are accurate, and for clang.
  target_compile_options(${target} PRIVATE
    $<$<AND:$<CXX_COMPILER_ID:GNU>,$<NOT:$<CONFIG:Debug>>>:-Wno-restrict -Wno-null-dereference
      -Wno-array-bounds -Wno-stringop-overread -Wno-stringop-overflow>)
  if(IKE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# ike_library(name SOURCES ... ) : static library with project warnings, include root = src/.
function(ike_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(${name} PUBLIC cxx_std_20)
  ike_set_warnings(${name})
endfunction()
