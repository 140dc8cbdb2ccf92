/* The control thread (control.c): generation loads, signals, and the
 * once-a-second work. */
#ifndef ISLA_HTTP_CONTROL_H
#define ISLA_HTTP_CONTROL_H

#include <signal.h>

#include "http/state.h"

/* Set by SIGHUP (server.c), consumed by the control thread (control.c). */
extern volatile sig_atomic_t g_hup;

void http_publish(server *srv, store_t *s, static_site *web, bool set_store, bool set_web);
bool http_first_generation_ready(server *srv);
void http_control_tick(server *srv);
void http_second_tick(server *srv, uint64_t now, uint64_t *next_memlog);

#endif
