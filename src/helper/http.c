/* http.c - HTTPS requests over libcurl with verification, timeouts and caps. */
#include "autoconfig.h"

#include <ctype.h>
#include <curl/curl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "shared/strutil.h"

struct oa2_http {
	CURL *curl;
	char *ca_file;
	long timeout_ms;
	char errbuf[CURL_ERROR_SIZE];
};

struct sink {
	struct oa2_http_response *resp;
	size_t cap;
	int overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sink *s = userp;
	struct oa2_http_response *r = s->resp;
	size_t n = size * nmemb;
	char *grown;

	if (n > OA2_HTTP_MAX_BODY - r->len) {
		s->overflow = 1;
		return 0; /* aborts the transfer */
	}
	if (r->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;

		while (cap < r->len + n + 1)
			cap *= 2;
		grown = malloc(cap);
		if (grown == NULL)
			return 0;
		if (r->body != NULL) {
			memcpy(grown, r->body, r->len);
			oa2_free_secret_len(r->body, s->cap);
		}
		r->body = grown;
		s->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* Retry-After (RFC 9110 10.2.3): kept as sent, printable characters only,
 * cut to the buffer, for the log line of a refusal. */
static void retry_after(struct oa2_http_response *r, const char *data, size_t n)
{
	size_t used = 0;

	for (size_t i = 12; i < n && used + 1 < sizeof(r->retry_after); i++) {
		unsigned char c = (unsigned char)data[i];

		if (c > 0x20 && c < 0x7f)
			r->retry_after[used++] = (char)c;
		else if (c == ' ' && used > 0)
			r->retry_after[used++] = ' ';
	}
	while (used > 0 && r->retry_after[used - 1] == ' ')
		used--;
	r->retry_after[used] = '\0';
}

/* Cache-Control: read max-age and no-store/no-cache; ignore the rest.
 * Retry-After: kept for the log. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct oa2_http_response *r = userp;
	size_t n = size * nmemb;
	char line[512];
	char *p;

	if (n >= 12 && strncasecmp(data, "retry-after:", 12) == 0) {
		retry_after(r, data, n);
		return n;
	}
	if (n < 14 || n >= sizeof(line) || strncasecmp(data, "cache-control:", 14) != 0)
		return n;
	memcpy(line, data + 14, n - 14);
	line[n - 14] = '\0';
	for (p = line; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (strstr(line, "no-store") != NULL || strstr(line, "no-cache") != NULL)
		r->no_store = 1;
	p = strstr(line, "max-age=");
	if (p != NULL) {
		char *end;
		long v = strtol(p + 8, &end, 10);

		if (end != p + 8 && v >= 0)
			r->max_age = v;
	}
	return n;
}

oa2_http *oa2_http_new(const char *ca_file, int timeout_s, oa2_error *err)
{
	oa2_http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		goto oom;
	h->curl = curl_easy_init();
	if (h->curl == NULL)
		goto oom;
	if (ca_file != NULL) {
		h->ca_file = strdup(ca_file);
		if (h->ca_file == NULL)
			goto oom;
	}
	h->timeout_ms = (long)timeout_s * 1000L;
	return h;
oom:
	oa2_http_free(h);
	oa2_fail(err, OA2_ERR_INTERNAL, "cannot initialise libcurl");
	return NULL;
}

void oa2_http_free(oa2_http *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h->ca_file);
	free(h);
}

long oa2_http_timeout_ms(const oa2_http *h)
{
	return h->timeout_ms;
}

enum oa2_errkind oa2_http_status_kind(long status)
{
	return status >= 500 && status <= 599 ? OA2_ERR_UNAVAIL : OA2_ERR_PROTOCOL;
}

/* An empty response: no body, no status, no caching or Retry-After news. */
static void response_reset(struct oa2_http_response *resp)
{
	resp->body = NULL;
	resp->len = 0;
	resp->status = 0;
	resp->max_age = -1;
	resp->no_store = 0;
	resp->retry_after[0] = '\0';
}

void oa2_http_response_clear(struct oa2_http_response *resp)
{
	if (resp == NULL)
		return;
	oa2_free_secret_len(resp->body, resp->len);
	response_reset(resp);
}

/* The system trust store as libcurl's hashed certificate directory
 * (/etc/ssl/certs on Debian), or NULL when libcurl was built without one.
 * Same anchors as the bundle beside it (update-ca-certificates writes both),
 * but OpenSSL reads only the certificates a chain names, where the bundle is
 * parsed whole: about 150 certificates, 25 ms and 0.8 MiB per login. */
static const char *system_ca_dir(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v != NULL ? v->capath : NULL;
}

static int setup(oa2_http *h, const char *url, struct sink *sink, struct curl_slist *hdrs)
{
	CURL *c = h->curl;
	CURLcode rc = CURLE_OK;

	curl_easy_reset(c);
	h->errbuf[0] = '\0';
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->ca_file != NULL) {
		SET(CURLOPT_CAINFO, h->ca_file);
		SET(CURLOPT_CAPATH, NULL);
	} else if (system_ca_dir() != NULL) {
		SET(CURLOPT_CAINFO, NULL);
		SET(CURLOPT_CAPATH, system_ca_dir());
	}
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, h->timeout_ms);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)OA2_HTTP_MAX_BODY);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, sink);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, sink->resp);
	SET(CURLOPT_ERRORBUFFER, h->errbuf);
	SET(CURLOPT_USERAGENT, "pam_oauth2/" PACKAGE_VERSION);
	SET(CURLOPT_HTTPHEADER, hdrs);
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

static int perform(oa2_http *h, const char *url, struct sink *sink, oa2_error *err)
{
	CURLcode rc = curl_easy_perform(h->curl);
	struct oa2_http_response *r = sink->resp;

	if (sink->overflow || rc == CURLE_FILESIZE_EXCEEDED)
		return oa2_fail(err, OA2_ERR_UNAVAIL, "%s: response larger than %d bytes", url,
				OA2_HTTP_MAX_BODY);
	if (rc != CURLE_OK)
		return oa2_fail(err, OA2_ERR_UNAVAIL, "%s: %s", url,
				h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->body == NULL) {
		r->body = calloc(1, 1);
		if (r->body == NULL)
			return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	}
	return 0;
}

/* "Authorization: Basic base64(user:pass)" in a buffer we wipe: libcurl's
 * CURLOPT_USERNAME/PASSWORD would keep copies we cannot reach. user and pass
 * are form-urlencoded first (RFC 6749 2.3.1). NULL when out of memory. */
static char *basic_header(CURL *c, const char *user, const char *pass)
{
	static const char prefix[] = "Authorization: Basic ";
	char *euser = curl_easy_escape(c, user, 0);
	char *epass = curl_easy_escape(c, pass ? pass : "", 0);
	char *pair = NULL, *hdr = NULL;
	size_t plen = 0;

	if (euser == NULL || epass == NULL)
		goto out;
	plen = strlen(euser) + 1 + strlen(epass);
	pair = malloc(plen + 1);
	if (pair == NULL || plen > (size_t)INT_MAX / 2)
		goto out;
	memcpy(pair, euser, strlen(euser));
	pair[strlen(euser)] = ':';
	memcpy(pair + strlen(euser) + 1, epass, strlen(epass) + 1);
	hdr = malloc(sizeof(prefix) + 4 * ((plen + 2) / 3));
	if (hdr == NULL)
		goto out;
	memcpy(hdr, prefix, sizeof(prefix) - 1);
	EVP_EncodeBlock((unsigned char *)hdr + sizeof(prefix) - 1, (const unsigned char *)pair,
			(int)plen); /* NUL-terminates */
out:
	oa2_free_secret_len(pair, pair ? plen + 1 : 0);
	if (epass != NULL) {
		explicit_bzero(epass, strlen(epass));
		curl_free(epass);
	}
	curl_free(euser);
	return hdr;
}

static int request(oa2_http *h, const char *url, const char *form, const char *user,
		   const char *pass, const char *bearer, struct oa2_http_response *resp,
		   oa2_error *err)
{
	char *auth = NULL;
	struct curl_slist *hdrs = NULL, *tmp;
	struct sink sink = {resp, 0, 0};
	int rc = -1;

	response_reset(resp);
	if (!oa2_is_https_url(url)) {
		oa2_fail(err, OA2_ERR_CONFIG, "refusing a non-https URL: %s", url);
		goto out;
	}
	tmp = curl_slist_append(hdrs, "Accept: application/json");
	if (tmp == NULL)
		goto oom;
	hdrs = tmp;
	if (bearer != NULL || user != NULL) {
		auth = bearer != NULL ? oa2_concat("Authorization: Bearer ", bearer)
				      : basic_header(h->curl, user, pass);
		if (auth == NULL)
			goto oom;
		tmp = curl_slist_append(hdrs, auth);
		if (tmp == NULL)
			goto oom;
		hdrs = tmp;
	}
	if (setup(h, url, &sink, hdrs) != 0)
		goto oom;
	if (form != NULL) {
		if (curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, form) != CURLE_OK)
			goto oom;
	}
	rc = perform(h, url, &sink, err);
	goto out;
oom:
	oa2_fail(err, OA2_ERR_INTERNAL, "cannot set up the HTTP request");
out:
	if (rc != 0) {
		/* The body may be partial; never hand it out. */
		if (resp->body != NULL)
			explicit_bzero(resp->body, sink.cap);
		free(resp->body);
		resp->body = NULL;
		resp->len = 0;
	}
	/* Do not leave pointers to the caller's secrets inside the handle. */
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	for (struct curl_slist *l = hdrs; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(hdrs);
	oa2_free_secret(auth);
	return rc;
}

int oa2_http_get(oa2_http *h, const char *url, struct oa2_http_response *resp, oa2_error *err)
{
	return request(h, url, NULL, NULL, NULL, NULL, resp, err);
}

int oa2_http_get_bearer(oa2_http *h, const char *url, const char *token,
			struct oa2_http_response *resp, oa2_error *err)
{
	return request(h, url, NULL, NULL, NULL, token, resp, err);
}

int oa2_http_post_form(oa2_http *h, const char *url, const char *form, const char *basic_user,
		       const char *basic_pass, struct oa2_http_response *resp, oa2_error *err)
{
	return request(h, url, form ? form : "", basic_user, basic_pass, NULL, resp, err);
}

int oa2_form_add(char **form, const char *name, const char *value, oa2_error *err)
{
	char *ev = curl_easy_escape(NULL, value, 0);
	size_t old = *form ? strlen(*form) : 0;
	size_t need;
	char *next;

	if (ev == NULL)
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	need = old + 1 + strlen(name) + 1 + strlen(ev) + 1;
	next = malloc(need);
	if (next == NULL) {
		explicit_bzero(ev, strlen(ev));
		curl_free(ev);
		return oa2_fail(err, OA2_ERR_INTERNAL, "out of memory");
	}
	snprintf(next, need, "%s%s%s=%s", *form ? *form : "", old ? "&" : "", name, ev);
	explicit_bzero(ev, strlen(ev));
	curl_free(ev);
	oa2_free_secret(*form);
	*form = next;
	return 0;
}
