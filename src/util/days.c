/* Civil-date <-> day-number conversion using the era/day-of-era method:
 * 400-year eras make the leap-year rule periodic, so both directions are a
 * handful of integer operations with no tables and no loops. */
#include "util/days.h"

int32_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);                  /* [0, 399] */
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;      /* [0, 146096] */
    return era * 146097 + (int32_t)doe - 719468;
}

void civil_from_days(int32_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + era * 400 + (*m <= 2);
}

static bool digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i] - '0';
        if (c > 9)
            return false;
        v = v * 10 + c;
    }
    *out = v;
    return true;
}

static unsigned month_length(unsigned y, unsigned m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

bool days_parse_date(const char *s, size_t n, int32_t *day)
{
    unsigned y, m, d;
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
        return false;
    if (y < 1970 || y > 2149 || m < 1 || m > 12 || d < 1 || d > month_length(y, m))
        return false;
    *day = days_from_civil((int)y, m, d);
    return true;
}

bool parse_iso_datetime(const char *s, size_t n, iso_datetime *out)
{
    if (n < 10 || !days_parse_date(s, 10, &out->day))
        return false;
    out->sec = 0;
    out->has_time = false;
    out->zone = s + n;
    out->zone_len = 0;
    if (n == 10)
        return true;
    if ((s[10] != 'T' && s[10] != ' ') || n < 16 || s[13] != ':')
        return false;
    unsigned hh, mi, ss = 0;
    if (!digits(s + 11, 2, &hh) || !digits(s + 14, 2, &mi) || hh > 23 || mi > 59)
        return false;
    size_t i = 16;
    if (i < n && s[i] == ':') {
        if (n < i + 3 || !digits(s + i + 1, 2, &ss) || ss > 59)
            return false;
        i += 3;
        if (i < n && s[i] == '.') {
            size_t j = ++i;
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
            if (i == j)
                return false;
        }
    }
    out->has_time = true;
    out->sec = hh * 3600 + mi * 60 + ss;
    out->zone = s + i;
    out->zone_len = n - i;
    if (i == n)
        return true;
    if (s[i] == 'Z')
        return n - i == 1;
    if (s[i] != '+' && s[i] != '-')
        return false;
    unsigned zh, zm;
    if (n - i == 6 && s[i + 3] == ':')
        return digits(s + i + 1, 2, &zh) && digits(s + i + 4, 2, &zm) && zh <= 23 && zm <= 59;
    if (n - i == 5)
        return digits(s + i + 1, 2, &zh) && digits(s + i + 3, 2, &zm) && zh <= 23 && zm <= 59;
    return false;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

size_t format_date(int32_t day, char *out)
{
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    put2(out, (unsigned)y / 100);
    put2(out + 2, (unsigned)y % 100);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    return 10;
}

size_t format_datetime(int32_t day, uint32_t sec, char *out)
{
    format_date(day, out);
    out[10] = 'T';
    put2(out + 11, sec / 3600);
    out[13] = ':';
    put2(out + 14, sec / 60 % 60);
    out[16] = ':';
    put2(out + 17, sec % 60);
    return 19;
}
