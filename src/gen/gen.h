/* `isla gen`: a deterministic generator of realistic offer dumps. */
#ifndef ISLA_GEN_H
#define ISLA_GEN_H

/* Parses the gen options (see `isla gen --help`) and writes the dump.
 * Returns the process exit code: 0 ok, 2 bad usage, 1 I/O error. */
int gen_main(int argc, char **argv);

#endif
