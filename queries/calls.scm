; Direct calls by name: `foo(...)`. Calls through pointers (`paravirt_ops.set_pmd(...)`) are
; captured separately so the model can name the paravirt hooks a function reaches.
; Used by: model.functions (calls, paravirt hooks), `reviewtool model`.
(call_expression
  function: (identifier) @name) @reference.call

(call_expression
  function: (field_expression
    argument: (identifier) @object
    field: (field_identifier) @name)) @reference.indirect_call
