// The API's shapes, shared by the server (validation, OpenAPI) and the console (types, parsing).
export {};
