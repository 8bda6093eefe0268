# The CUDA backend (DESIGN.md §6). Included from CMakeLists.txt after the _C target exists.
#   TENSORGEN_CUDA=AUTO  build the CUDA kernels when a CUDA compiler (nvcc) is found
#   TENSORGEN_CUDA=ON    require them (configure fails without nvcc)
#   TENSORGEN_CUDA=OFF   CPU only
# The kernels (aten/native/cuda/*.cu, aten/cuda/*.cu) compile into an object library with their
# own flags (nvcc does not take the host-only warning and visibility flags of _C) and link into
# the same _C extension, with the CUDA runtime linked statically (only the driver, libcuda.so,
# is needed at run time, and it is loaded lazily: a machine without a GPU imports fine).
# Code is generated for sm_90 (cubin) plus compute_90 PTX that newer GPUs JIT-compile.
# aten/cuda/CUDAHooks.cpp (compiled always) holds the "built without CUDA" versions of the hooks.
target_sources(_C PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/aten/cuda/CUDAHooks.cpp")

string(TOUPPER "${TENSORGEN_CUDA}" _tg_cuda_mode)
if(NOT _tg_cuda_mode MATCHES "^(AUTO|ON|OFF)$")
  message(FATAL_ERROR "TENSORGEN_CUDA must be AUTO, ON or OFF (got '${TENSORGEN_CUDA}')")
endif()
set(TENSORGEN_WITH_CUDA OFF)
if(NOT _tg_cuda_mode STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(TENSORGEN_WITH_CUDA ON)
  elseif(_tg_cuda_mode STREQUAL "ON")
    message(FATAL_ERROR "TENSORGEN_CUDA=ON but no CUDA compiler was found: put nvcc on the PATH or set CUDACXX")
  else()
    message(STATUS "tensorgen: no CUDA compiler found, building without CUDA (TENSORGEN_CUDA=AUTO)")
  endif()
endif()

if(TENSORGEN_WITH_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES "90-real;90-virtual")
  endif()
  set(CMAKE_CUDA_STANDARD 20)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  if(CCACHE_PROGRAM)
    set(CMAKE_CUDA_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  message(STATUS "tensorgen: building CUDA kernels with nvcc ${CMAKE_CUDA_COMPILER_VERSION} for ${CMAKE_CUDA_ARCHITECTURES}")

  file(GLOB TENSORGEN_CUDA_SOURCES CONFIGURE_DEPENDS
    "${CMAKE_CURRENT_SOURCE_DIR}/aten/cuda/*.cu"
    "${CMAKE_CURRENT_SOURCE_DIR}/aten/native/cuda/*.cu"
    "${CMAKE_CURRENT_SOURCE_DIR}/aten/native/cuda/ops/*.cu")  # one file per op (README, "Adding an op")
  add_library(tensorgen_cuda OBJECT ${TENSORGEN_CUDA_SOURCES})
  add_dependencies(tensorgen_cuda tensorgen_codegen)  # the kernels include generated headers
  set_target_properties(tensorgen_cuda PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
  target_include_directories(tensorgen_cuda PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}" "${GEN_DIR}")
  target_compile_definitions(tensorgen_cuda PRIVATE TENSORGEN_CUDA)
  target_compile_options(tensorgen_cuda PRIVATE
    -Xcompiler=-fvisibility=hidden
    -Xcompiler=-Wno-deprecated-declarations)  # cudafe's rewrite of the dtype dispatch switch
  target_link_libraries(tensorgen_cuda PRIVATE CUDA::toolkit)

  target_sources(_C PRIVATE $<TARGET_OBJECTS:tensorgen_cuda>)
  target_compile_definitions(_C PRIVATE TENSORGEN_CUDA)  # the generated registrations add CUDA kernels
  target_link_libraries(_C PRIVATE CUDA::cudart_static)
endif()
