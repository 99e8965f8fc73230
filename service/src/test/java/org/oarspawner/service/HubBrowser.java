package org.oarspawner.service;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A browser without a screen for the hub ITs: its own cookie jar, redirects followed one by one (each hop's
 * Set-Cookie headers kept, to check their flags), every request with a timeout.
 */
final class HubBrowser {
    final CookieManager jar = new CookieManager(null, CookiePolicy.ACCEPT_ALL);
    /** Every Set-Cookie header received, whole. */
    final List<String> setCookies = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(jar)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    /** The URL of the last answer {@link #open} followed to. */
    URI at;

    HttpResponse<String> get(String url) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    HttpResponse<String> post(String url, Map<String, String> form) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form))));
    }

    /** GET, then each redirect (at most 10); {@link #at} is where it ended. */
    HttpResponse<String> open(String url) throws Exception {
        URI u = URI.create(url);
        HttpResponse<String> r = get(url);
        for (int i = 0; i < 10 && r.statusCode() >= 300 && r.statusCode() < 400; i++) {
            u = u.resolve(r.headers().firstValue("Location").orElseThrow());
            r = get(u.toString());
        }
        at = u;
        return r;
    }

    /** Logs in to the hub with its login form (DummyAuthenticator here). */
    void logIn(String user, String password) throws Exception {
        get(HubStack.HUB + "/hub/login");
        Map<String, String> form = new java.util.LinkedHashMap<>(Map.of("username", user, "password", password));
        cookie("_xsrf").ifPresent(x -> form.put("_xsrf", x));
        HttpResponse<String> r = post(HubStack.HUB + "/hub/login", form);
        if (r.statusCode() != 302) {
            throw new AssertionError("hub login of " + user + ": " + r.statusCode() + " " + r.body());
        }
    }

    Optional<String> cookie(String name) {
        return jar.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name)).map(HttpCookie::getValue).findFirst();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        setCookies.addAll(r.headers().allValues("set-cookie"));
        return r;
    }

    static String form(Map<String, String> form) {
        StringBuilder s = new StringBuilder();
        form.forEach((k, v) -> s.append(s.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return s.toString();
    }
}
