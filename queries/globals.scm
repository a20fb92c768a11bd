; File-scope definitions of variables (not prototypes, not extern) and DEFINE_*() style
; definitions at file scope. Used by: model.functions (config-change on globals).
(translation_unit
  (declaration
    declarator: [(identifier) @name
                 (init_declarator declarator: (identifier) @name)
                 (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
                 (pointer_declarator declarator: (identifier) @name)
                 (array_declarator declarator: (identifier) @name)
                 (init_declarator declarator: (array_declarator declarator: (identifier) @name))]
  ) @definition.variable)

(translation_unit
  (expression_statement
    (call_expression
      function: (identifier) @macro
      arguments: (argument_list . (identifier) @name))) @definition.macro_variable)
