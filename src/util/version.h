/* The version of isla, written once: the CLI prints it and the OpenAPI
 * document carries it. */
#ifndef ISLA_UTIL_VERSION_H
#define ISLA_UTIL_VERSION_H

#define ISLA_VERSION "0.1.0"

#endif
