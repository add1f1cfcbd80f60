/*-------------------------------------------------------------------------
 *
 * code_insee.c
 *		The code_insee type: an INSEE commune code ("93066", "2A004",
 *		"97411"), validated on input and stored in four bytes.
 *
 * A code is a département (01-19, 2A, 2B, 21-95, or 971-976 overseas)
 * followed by the commune's number within it (three digits, two overseas).
 * It is stored as an int32 "rank * 1000 + number" where the rank orders the
 * départements the way INSEE lists them (2A and 2B between 19 and 21):
 *
 *		01..19		rank 1..19			value 1000 .. 19999 (the code itself)
 *		2A, 2B		rank 20, 21			value 20000 .. 21999
 *		21..95		rank 22..96			value 22000 .. 96999
 *		971..976	97000 + (dep - 971) * 100 + number   (97000 .. 97599)
 *
 * so comparing two values compares the codes in that order, and hashing
 * the int32 is a valid hash for equality.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "flux_mgmt.h"

#define CODE_INSEE_LEN			5
#define CODE_INSEE_SEND_VERSION 1

#define RANK_2A					20
#define RANK_2B					21
#define OVERSEAS_BASE			97000

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int
digits(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * Why a string is not a code, as a detail sentence, or NULL when it is one;
 * on success *value is the stored form.  Kept apart from the error report
 * so that input and recv share it.
 */
static const char *
code_insee_parse(const char *s, int len, int32 *value)
{
	int			dep;

	if (len != CODE_INSEE_LEN)
		return "An INSEE commune code has exactly five characters.";
	if (s[0] == '2' && (s[1] == 'A' || s[1] == 'B'))
	{
		if (!is_digit(s[2]) || !is_digit(s[3]) || !is_digit(s[4]))
			return "A Corsican code is 2A or 2B followed by three digits.";
		*value = (s[1] == 'A' ? RANK_2A : RANK_2B) * 1000 + digits(s + 2, 3);
		return NULL;
	}
	for (int i = 0; i < CODE_INSEE_LEN; i++)
		if (!is_digit(s[i]))
			return "Apart from the Corsican 2A and 2B, an INSEE commune code is made of digits.";
	dep = digits(s, 2);
	if (dep == 97)
	{
		int			overseas = digits(s, 3);

		if (overseas < 971 || overseas > 976)
			return "Overseas départements are 971 to 976.";
		*value = OVERSEAS_BASE + (overseas - 971) * 100 + digits(s + 3, 2);
		return NULL;
	}
	if (dep < 1 || dep > 95)
		return "The département must be 01 to 95 (or 2A, 2B, 971 to 976).";
	if (dep == 20)
		return "Corsica has used the départements 2A and 2B since 1976; 20 is no longer valid.";
	*value = (dep < 20 ? dep : dep + 1) * 1000 + digits(s + 2, 3);
	return NULL;
}

/* A hint for the common mistakes, or NULL. */
static const char *
code_insee_hint(const char *s, int len)
{
	bool		all_digits = true;

	for (int i = 0; i < len; i++)
		if (!is_digit(s[i]))
			all_digits = false;
	if (len == 4 && all_digits)
		return "A leading zero was probably lost (a spreadsheet turns 06029 into 6029): write the code with five characters.";
	if (len == 5 && s[0] == '2' && (s[1] == 'a' || s[1] == 'b'))
		return "Write the Corsican départements in capitals: 2A or 2B.";
	if (len == 5 && (strcmp(s, "99999") == 0 || strcmp(s, "00000") == 0))
		return "RPLS files use 99999 for a missing and 00000 for a non-conforming commune: find the dwelling's real commune.";
	return NULL;
}

/* Text of a stored value; buf holds at least CODE_INSEE_LEN + 1 bytes. */
static void
code_insee_format(int32 value, char *buf)
{
	int			rank = value / 1000;
	int			number = value % 1000;

	if (value >= OVERSEAS_BASE)
		snprintf(buf, CODE_INSEE_LEN + 1, "%03d%02d",
				 971 + (value - OVERSEAS_BASE) / 100, (value - OVERSEAS_BASE) % 100);
	else if (rank == RANK_2A || rank == RANK_2B)
		snprintf(buf, CODE_INSEE_LEN + 1, "2%c%03d",
				 rank == RANK_2A ? 'A' : 'B', number);
	else
		snprintf(buf, CODE_INSEE_LEN + 1, "%02d%03d",
				 rank < RANK_2A ? rank : rank - 1, number);
}

PG_FUNCTION_INFO_V1(flux_code_insee_in);
Datum
flux_code_insee_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	int			len = strlen(s);
	int32		value = 0;
	const char *why = code_insee_parse(s, len, &value);

	if (why != NULL)
	{
		const char *hint = code_insee_hint(s, len);

		FLUX_INPUT_ERROR(fcinfo->context,
						 (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						  errmsg("invalid input syntax for type code_insee: \"%s\"", s),
						  errdetail("%s", why),
						  hint ? errhint("%s", hint) :
						  errhint("Write a five-character INSEE commune code such as 93066, 2A004 or 97411.")));
	}
	PG_RETURN_INT32(value);
}

PG_FUNCTION_INFO_V1(flux_code_insee_out);
Datum
flux_code_insee_out(PG_FUNCTION_ARGS)
{
	char	   *buf = palloc(CODE_INSEE_LEN + 1);

	code_insee_format(PG_GETARG_INT32(0), buf);
	PG_RETURN_CSTRING(buf);
}

/*
 * Binary form: a format version byte, then the five characters of the code.
 * Sending the text rather than the stored int keeps the wire format free of
 * the storage encoding.
 */
PG_FUNCTION_INFO_V1(flux_code_insee_send);
Datum
flux_code_insee_send(PG_FUNCTION_ARGS)
{
	char		code[CODE_INSEE_LEN + 1];
	StringInfoData buf;

	code_insee_format(PG_GETARG_INT32(0), code);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CODE_INSEE_SEND_VERSION);
	pq_sendbytes(&buf, code, CODE_INSEE_LEN);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * The five bytes of a binary code as hexadecimal ("\x3933303636"): the bytes
 * come from the client unchecked, so an error message never shows them raw
 * (invalid in the server encoding, they would make the message itself fail
 * to convert to the client's encoding).
 */
static char *
code_insee_hex(const char *code)
{
	static const char chiffres[] = "0123456789abcdef";
	char	   *hex = palloc(2 + 2 * CODE_INSEE_LEN + 1);

	hex[0] = '\\';
	hex[1] = 'x';
	for (int i = 0; i < CODE_INSEE_LEN; i++)
	{
		hex[2 + 2 * i] = chiffres[(unsigned char) code[i] >> 4];
		hex[3 + 2 * i] = chiffres[(unsigned char) code[i] & 0x0F];
	}
	hex[2 + 2 * CODE_INSEE_LEN] = '\0';
	return hex;
}

PG_FUNCTION_INFO_V1(flux_code_insee_recv);
Datum
flux_code_insee_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	char		code[CODE_INSEE_LEN + 1];
	int32		value = 0;
	const char *why;

	if (buf->len - buf->cursor != 1 + CODE_INSEE_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary code_insee of %d bytes", buf->len - buf->cursor),
				 errdetail("A binary code_insee is one version byte and five characters."),
				 errhint("Send the code as text, or check the client's binary mapping of flux_mgmt.code_insee.")));
	version = pq_getmsgbyte(buf);
	if (version != CODE_INSEE_SEND_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary code_insee version %d", version),
				 errdetail("This version of flux_mgmt reads version %d.", CODE_INSEE_SEND_VERSION),
				 errhint("Send the code as text, or a binary value written by flux_mgmt's code_insee_send.")));
	pq_copymsgbytes(buf, code, CODE_INSEE_LEN);
	code[CODE_INSEE_LEN] = '\0';
	why = code_insee_parse(code, strnlen(code, CODE_INSEE_LEN), &value);
	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary code_insee %s", code_insee_hex(code)),
				 errdetail("%s", why),
				 errhint("The five bytes after the version byte are the code's characters in ASCII, such as 93066 or 2A004.")));
	PG_RETURN_INT32(value);
}

/*
 * The département of a code: "93", "2A", "971".
 */
PG_FUNCTION_INFO_V1(flux_code_insee_departement);
Datum
flux_code_insee_departement(PG_FUNCTION_ARGS)
{
	int32		value = PG_GETARG_INT32(0);
	char		code[CODE_INSEE_LEN + 1];

	code_insee_format(value, code);
	code[value >= OVERSEAS_BASE ? 3 : 2] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(code));
}

/* Comparison support: the stored int32 is ordered like the codes. */

static inline int
code_insee_cmp(FunctionCallInfo fcinfo)
{
	int32		a = PG_GETARG_INT32(0);
	int32		b = PG_GETARG_INT32(1);

	return (a > b) - (a < b);
}

#define CODE_INSEE_OPERATOR(name, test) \
PG_FUNCTION_INFO_V1(flux_code_insee_##name); \
Datum \
flux_code_insee_##name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(code_insee_cmp(fcinfo) test); \
}

CODE_INSEE_OPERATOR(eq, == 0)
CODE_INSEE_OPERATOR(ne, != 0)
CODE_INSEE_OPERATOR(lt, < 0)
CODE_INSEE_OPERATOR(le, <= 0)
CODE_INSEE_OPERATOR(gt, > 0)
CODE_INSEE_OPERATOR(ge, >= 0)

PG_FUNCTION_INFO_V1(flux_code_insee_cmp);
Datum
flux_code_insee_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(code_insee_cmp(fcinfo));
}

PG_FUNCTION_INFO_V1(flux_code_insee_hash);
Datum
flux_code_insee_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_INT32(0));
}

PG_FUNCTION_INFO_V1(flux_code_insee_hash_extended);
Datum
flux_code_insee_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_INT32(0), PG_GETARG_INT64(1));
}

/*
 * Whether a text is a département code ("93", "2A", "971"): the first part
 * of some valid commune code.  Conventions, rotation rates and forecasts are
 * keyed by département as text; this keeps them in the same vocabulary.
 */
PG_FUNCTION_INFO_V1(flux_departement_valide);
Datum
flux_departement_valide(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			len = VARSIZE_ANY_EXHDR(t);
	char		code[CODE_INSEE_LEN + 1];
	int32		value;

	if (len != 2 && len != 3)
		PG_RETURN_BOOL(false);
	memcpy(code, VARDATA_ANY(t), len);
	memcpy(code + len, "000", CODE_INSEE_LEN - len);
	code[CODE_INSEE_LEN] = '\0';
	/* a three-character département is overseas; "97" alone is not one */
	if ((len == 3) != (code[0] == '9' && code[1] == '7'))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(code_insee_parse(code, CODE_INSEE_LEN, &value) == NULL);
}

/* Whether a text is a valid code_insee, without raising an error. */
PG_FUNCTION_INFO_V1(flux_code_insee_valide);
Datum
flux_code_insee_valide(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int32		value;

	PG_RETURN_BOOL(code_insee_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &value) == NULL);
}
