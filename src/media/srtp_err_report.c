// libsrtp2's error and debug reports, in the wasm build: dropped, as they are everywhere in Petrichor
// (nothing installs libsrtp2's log handler and no debug module is switched on). This replaces the
// srtp_err_report of its err.c (cmake/dependencies.cmake renames that one), whose vfprintf and
// vsnprintf would keep the C library's whole formatter, floating point included, in the module;
// with link-time optimisation the calls and their messages go as well.
#include "err.h"

void srtp_err_report(srtp_err_reporting_level_t level, const char *format, ...) {
  (void)level;
  (void)format;
}
