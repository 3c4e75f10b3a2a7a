package com.bmsjit.keycloak.writeback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EmployeeIdBodyTest {

    private static String problem(String body) {
        EmployeeIdBody.Parsed parsed = EmployeeIdBody.parse(body);
        assertNull(parsed.employeeId(), body);
        return parsed.problem();
    }

    @Test
    void aPositiveWholeNumberIsStoredAsItsDecimalDigits() {
        assertEquals(new EmployeeIdBody.Parsed("123", null), EmployeeIdBody.parse("{\"employeeId\": 123}"));
        assertEquals(new EmployeeIdBody.Parsed("1", null), EmployeeIdBody.parse(" {\"employeeId\":1}\n"));
        assertEquals(new EmployeeIdBody.Parsed("9223372036854775807", null), EmployeeIdBody.parse("{\"employeeId\": 9223372036854775807}"));
    }

    @Test
    void nullClearsIt() {
        EmployeeIdBody.Parsed parsed = EmployeeIdBody.parse("{\"employeeId\": null}");
        assertTrue(parsed.ok());
        assertNull(parsed.employeeId());
    }

    @Test
    void anythingElseIsRefusedSayingWhy() {
        assertEquals("The body is empty; send {\"employeeId\": 123} or {\"employeeId\": null}.", problem(""));
        assertEquals("The body is empty; send {\"employeeId\": 123} or {\"employeeId\": null}.", problem(null));
        assertEquals("The body is not JSON; send {\"employeeId\": 123} or {\"employeeId\": null}.", problem("employeeId=123"));
        assertEquals("The body is not JSON; send {\"employeeId\": 123} or {\"employeeId\": null}.", problem("{\"employeeId\": 1} {}"));
        assertEquals("The body is not JSON; send {\"employeeId\": 123} or {\"employeeId\": null}.", problem("{\"employeeId\": 1, \"employeeId\": 2}"));
        assertEquals("The body must be a JSON object: {\"employeeId\": 123} or {\"employeeId\": null}.", problem("123"));
        assertEquals("The body must be a JSON object: {\"employeeId\": 123} or {\"employeeId\": null}.", problem("[{\"employeeId\": 1}]"));
        assertEquals("\"employeeId\" is missing; send a positive integer, or null to clear it.", problem("{}"));
        assertEquals("Unknown field 'employee_id'; the body has only \"employeeId\".", problem("{\"employee_id\": 5}"));
        assertEquals("Unknown field 'firstName'; the body has only \"employeeId\".", problem("{\"employeeId\": 5, \"firstName\": \"Ada\"}"));
        for (String bad : new String[] {"0", "-4", "\"123\"", "12.0", "1e3", "true", "{}", "[1]", "9223372036854775808"}) {
            assertTrue(problem("{\"employeeId\": " + bad + "}").startsWith("\"employeeId\" must be a positive whole number (a JSON number, not a string) or null, not "), bad);
        }
        assertEquals("\"employeeId\" must be a positive whole number (a JSON number, not a string) or null, not \"123\".", problem("{\"employeeId\": \"123\"}"));
        assertEquals("\"employeeId\" must be a positive whole number (a JSON number, not a string) or null, not 0.", problem("{\"employeeId\": 0}"));
    }
}
