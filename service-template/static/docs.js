// Starts Swagger UI on /docs. Kept out of the page so the Content-Security-Policy needs no
// 'unsafe-inline' for scripts. validatorUrl null: Swagger UI would otherwise send the document to
// validator.swagger.io. The token pasted under "Authorize" lives in the page only.
/* global document, SwaggerUIBundle */
const root = document.getElementById('docs');
SwaggerUIBundle({
  url: root.dataset.documentUrl,
  domNode: root,
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: false,
  displayRequestDuration: true,
  validatorUrl: null,
});
