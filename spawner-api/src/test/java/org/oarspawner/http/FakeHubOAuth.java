package org.oarspawner.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for JupyterHub 3.0's OAuth provider, for unit tests only (SessionsPageIT logs in through the real hub):
 * /hub/api/oauth2/authorize answers the redirect with a code for the user the cookie {@code hub-user} names (the hub's
 * own login, here a cookie the test sets), /hub/api/oauth2/token trades the code for a token only with the client's
 * id, secret and redirect URI in the form body (as the hub: no HTTP Basic), /hub/api/user names the token's user.
 */
final class FakeHubOAuth implements AutoCloseable {
    final String clientId;
    final String clientSecret;
    final String redirectUri;
    final Map<String, Boolean> admins = new ConcurrentHashMap<>();
    /** Every token request's form, to check how the client authenticated. */
    final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    private final Map<String, String> codes = new ConcurrentHashMap<>();
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final HttpServer server;

    FakeHubOAuth(Vertx vertx, String clientId, String clientSecret, String redirectUri) throws Exception {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.redirectUri = redirectUri;
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    int port() {
        return server.actualPort();
    }

    private void handle(HttpServerRequest req) {
        switch (req.path()) {
            case "/hub/api/oauth2/authorize" -> authorize(req);
            case "/hub/api/oauth2/token" -> req.setExpectMultipart(true).endHandler(v -> token(req));
            case "/hub/api/user" -> user(req);
            default -> req.response().setStatusCode(404).end();
        }
    }

    private void authorize(HttpServerRequest req) {
        String user = req.getCookie("hub-user") == null ? null : req.getCookie("hub-user").getValue();
        if (user == null) {
            req.response().setStatusCode(302).putHeader("Location", "/hub/login").end();
            return;
        }
        if (!clientId.equals(req.getParam("client_id")) || !redirectUri.equals(req.getParam("redirect_uri"))
                || !"code".equals(req.getParam("response_type"))) {
            req.response().setStatusCode(400).end("bad client or redirect_uri");
            return;
        }
        String code = UUID.randomUUID().toString();
        codes.put(code, user);
        req.response().setStatusCode(302).putHeader("Location", redirectUri + "?code=" + code + "&state="
                + URLEncoder.encode(req.getParam("state"), StandardCharsets.UTF_8)).end();
    }

    private void token(HttpServerRequest req) {
        var form = req.formAttributes();
        tokenRequests.add(form.toString());
        String user = codes.remove(String.valueOf(form.get("code")));
        if (!clientId.equals(form.get("client_id")) || !clientSecret.equals(form.get("client_secret"))
                || !redirectUri.equals(form.get("redirect_uri")) || user == null) {
            req.response().setStatusCode(400).putHeader("content-type", "application/json")
                    .end(new JsonObject().put("error", "invalid_grant").encode());
            return;
        }
        String token = UUID.randomUUID().toString();
        tokens.put(token, user);
        req.response().putHeader("content-type", "application/json").end(new JsonObject().put("access_token", token)
                .put("token_type", "Bearer").put("expires_in", 3600).put("scope", "identify").encode());
    }

    private void user(HttpServerRequest req) {
        String auth = req.getHeader("Authorization");
        String user = auth != null && auth.startsWith("Bearer ") ? tokens.get(auth.substring(7)) : null;
        if (user == null) {
            req.response().setStatusCode(403).end();
            return;
        }
        req.response().putHeader("content-type", "application/json; charset=UTF-8").end(new JsonObject().put("kind", "user")
                .put("name", user).put("admin", admins.getOrDefault(user, false)).encode());
    }

    /** As the hub's logout does: the user's tokens are deleted. */
    void logOut(String user) {
        tokens.values().removeIf(user::equals);
    }

    @Override
    public void close() {
        server.close();
    }
}
