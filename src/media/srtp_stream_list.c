/* libsrtp2's list of SRTP streams, provided by us through its SRTP_NO_STREAM_LIST extension point
 * (include/stream_list_priv.h of libsrtp2) and compiled into libsrtp2 by cmake/dependencies.cmake.
 *
 * Why ours: when srtp_create cannot allocate the list, libsrtp2 2.5.0 tears the half-made session down
 * with srtp_dealloc, whose calls into the list dereference the NULL list: an allocation failure became a
 * crash. These functions accept a NULL list as an empty one; otherwise the list is the same intrusive
 * doubly linked list as libsrtp2's own (a session holds one stream per SSRC, a handful at most). */
#ifdef HAVE_CONFIG_H
#include <config.h> /* libsrtp2's build settings, as its own sources include them first */
#endif

#include "alloc.h"
#include "srtp_priv.h"
#include "stream_list_priv.h"

struct srtp_stream_list_ctx_t_ {
  srtp_stream_ctx_t head; /* only its next pointer is used: the first stream */
};

srtp_err_status_t srtp_stream_list_alloc(srtp_stream_list_t *list_ptr) {
  srtp_stream_list_t list = srtp_crypto_alloc(sizeof *list);
  if (list == NULL) return srtp_err_status_alloc_fail;
  list->head.next = NULL;
  list->head.prev = NULL;
  *list_ptr = list;
  return srtp_err_status_ok;
}

srtp_err_status_t srtp_stream_list_dealloc(srtp_stream_list_t list) {
  if (list == NULL) return srtp_err_status_ok;
  if (list->head.next != NULL) return srtp_err_status_fail; /* must be empty */
  srtp_crypto_free(list);
  return srtp_err_status_ok;
}

srtp_err_status_t srtp_stream_list_insert(srtp_stream_list_t list, srtp_stream_t stream) {
  if (list == NULL) return srtp_err_status_alloc_fail;
  stream->next = list->head.next;
  if (stream->next != NULL) stream->next->prev = stream;
  list->head.next = stream;
  stream->prev = &list->head;
  return srtp_err_status_ok;
}

srtp_stream_t srtp_stream_list_get(srtp_stream_list_t list, uint32_t ssrc) {
  for (srtp_stream_t stream = list != NULL ? list->head.next : NULL; stream != NULL; stream = stream->next) {
    if (stream->ssrc == ssrc) return stream;
  }
  return NULL;
}

void srtp_stream_list_remove(srtp_stream_list_t list, srtp_stream_t stream) {
  (void)list;
  stream->prev->next = stream->next;
  if (stream->next != NULL) stream->next->prev = stream->prev;
}

void srtp_stream_list_for_each(srtp_stream_list_t list, int (*callback)(srtp_stream_t, void *), void *data) {
  srtp_stream_t stream = list != NULL ? list->head.next : NULL;
  while (stream != NULL) {
    srtp_stream_t current = stream;
    stream = stream->next; /* the callback may remove the current stream */
    if (callback(current, data)) break;
  }
}
