package org.oarspawner.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;

/**
 * Requests that Vert.x could not decode (HttpServer#invalidRequestHandler), answered like every other error:
 * with the JSON error body, instead of Vert.x's empty one. A request line longer than
 * {@link #MAX_REQUEST_LINE} is 414 (field {@code path}); headers too large, 431; anything else, 400. The
 * connection is closed after the answer, as Vert.x's own handler does.
 */
final class InvalidRequests implements Handler<HttpServerRequest> {
    /** The longest request line (method, path and query, version) accepted: Vert.x's default, stated. */
    static final int MAX_REQUEST_LINE = 4096;

    @Override
    public void handle(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpLineException) {
            ApiServer.error(request.response(), 414, "uri_too_long", "the request line is longer than " + MAX_REQUEST_LINE
                    + " characters; paths and queries of this API are short", "path");
        } else if (cause instanceof TooLongHttpHeaderException) {
            ApiServer.error(request.response(), 431, "headers_too_large", "the request's headers are too large", "headers");
        } else {
            ApiServer.error(request.response(), 400, "invalid_request", "the request is not valid HTTP"
                    + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()), null);
        }
        request.connection().close();
    }
}
