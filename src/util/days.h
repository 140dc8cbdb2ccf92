/* Calendar arithmetic on plain civil dates, no time zones.
 *
 * isla stores every date as a day number (days since 1970-01-01) and every
 * time of day as seconds since midnight. The dump's datetimes are local
 * wall-clock times, so nothing here ever converts between zones. */
#ifndef ISLA_DAYS_H
#define ISLA_DAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Day number of a proleptic Gregorian date (1970-01-01 is 0). */
int32_t days_from_civil(int y, unsigned m, unsigned d);
/* Inverse of days_from_civil. */
void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d);

/* Parses exactly "YYYY-MM-DD" (validating month lengths and leap years). */
bool days_parse_date(const char *s, size_t n, int32_t *day);

/* A parsed ISO-8601 datetime as written: the wall-clock date and time plus
 * the raw zone suffix ("", "Z", "+00:00", ...), which is kept, not applied. */
typedef struct {
    int32_t day;          /* day number */
    uint32_t sec;         /* seconds since midnight, 0..86399 */
    bool has_time;        /* false for a bare date */
    const char *zone;     /* points into the input; not NUL-terminated */
    size_t zone_len;
} iso_datetime;

/* Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff…]]" (T or space) with an
 * optional zone "Z", "±HH:MM" or "±HHMM". Fractional seconds are accepted
 * and dropped (the dump has none). */
bool parse_iso_datetime(const char *s, size_t n, iso_datetime *out);

/* Writes "YYYY-MM-DD" (10 bytes, no NUL) and returns 10. */
size_t format_date(int32_t day, char *out);
/* Writes "YYYY-MM-DDTHH:MM:SS" (19 bytes, no NUL) and returns 19. */
size_t format_datetime(int32_t day, uint32_t sec, char *out);

#endif
